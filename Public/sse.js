// A minimal Server-Sent Events reader over a fetch() body (EventSource cannot send a bearer
// token): the chat page's fallback when no WebSocket can be opened. A classic script loaded
// before runs.js; it exposes window.CairnSSE.
(() => {
  'use strict';

  // Minimal SSE parser: `field: value` lines, a blank line ends an event, `:` starts a comment.
  async function readEvents(body, signal, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let data = [];
    let id = null;
    const dispatch = () => {
      if (data.length) {
        try {
          onEvent(JSON.parse(data.join('\n')), id);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error; // a malformed event is skipped
        }
      }
      data = [];
    };
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') { dispatch(); continue; }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') data.push(value);
          else if (field === 'id') id = value;
        }
        if (signal.aborted) break;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  window.CairnSSE = Object.freeze({ readEvents });
})();
