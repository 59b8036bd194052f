// The console's agent form (Providers & agents): a new agent definition or a new version of one
// (chat with tools, or a pipeline of steps), saved with PUT /api/admin/agents/<name>; a 422 is
// shown beside the field it names. A classic script loaded before admin/agents.js; it exposes
// window.CairnAdminAgentForm.
(() => {
  'use strict';

  const { fieldSet, serial } = window.CairnAdminFields;
  const TOOLS = ['calculator', 'current_time', 'search_messages', 'remember', 'recall', 'http_get'];
  const AGENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

  const names = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

  function agentForm(kit, agent, { agents, providers, onSaved, onCancel }) {
    const { A, el, enc } = kit;
    const f = fieldSet(kit, 'af');
    const inputs = {
      name: el('input', { required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. researcher' }),
      description: el('input', { required: true, maxlength: '2000', autocomplete: 'off', value: (agent && agent.description) || '' }),
      kind: el('select', {}, el('option', { value: 'chat', text: 'Chat (model with tools)' }), el('option', { value: 'pipeline', text: 'Pipeline (steps in order)' })),
      system_prompt: el('textarea', { rows: '6' }),
      provider: el('input', { autocomplete: 'off', spellcheck: 'false', value: agent && Array.isArray(agent.provider) ? agent.provider.join(', ') : '', placeholder: 'offline' }),
      model: el('input', { autocomplete: 'off', spellcheck: 'false', maxlength: '200', value: (agent && agent.model) || '', placeholder: 'the provider\u2019s default' }),
      max_steps: el('input', { type: 'number', inputmode: 'numeric', min: '1', max: '50', step: '1', placeholder: '6', value: agent && agent.max_steps != null ? agent.max_steps : '' }),
      temperature: el('input', { type: 'number', inputmode: 'decimal', min: '0', max: '2', step: '0.1', placeholder: 'the model\u2019s default', value: agent && agent.temperature != null ? agent.temperature : '' }),
    };
    inputs.kind.value = agent ? agent.kind : 'chat';
    inputs.system_prompt.value = (agent && agent.system_prompt) || '';
    const had = new Set((agent && agent.tools) || []);
    const toolNames = [...TOOLS, ...[...had].filter((t) => !TOOLS.includes(t))];
    const toolBoxes = toolNames.map((tool) => el('input', { type: 'checkbox', value: tool, id: `${f.id}-tool-${tool}`, checked: had.has(tool) }));
    const tools = el('div', { class: 'checks' }, ...toolBoxes.map((box) => el('label', { class: 'checkbox', for: box.id }, box, ` ${box.value}`)));

    // Pipeline steps: one row per step (agent, continue on error, remove).
    const stepList = el('ol', { class: 'step-list' });
    const choices = agents.filter((a) => !agent || a.name !== agent.name).map((a) => a.name);
    function stepRow(step) {
      const n = stepList.children.length + 1;
      const select = el('select', { id: `${f.id}-step-${n}-${serial()}` }, ...choices.map((name) => el('option', { value: name, text: name })));
      if (step && step.agent) {
        if (!choices.includes(step.agent)) select.append(el('option', { value: step.agent, text: step.agent }));
        select.value = step.agent;
      }
      const keepOn = el('input', { type: 'checkbox', id: `${select.id}-coe`, checked: Boolean(step && step.continue_on_error) });
      const li = el('li', { class: 'step-row' });
      const label = el('label', { for: select.id, class: 'visually-hidden' });
      const remove = el('button', { type: 'button', class: 'small danger', text: 'Remove', onclick: () => { li.remove(); numberSteps(); } });
      li.append(label, select, el('label', { class: 'checkbox', for: keepOn.id }, keepOn, ' continue on error'), remove);
      stepList.append(li);
      numberSteps();
    }
    function numberSteps() {
      [...stepList.children].forEach((li, index) => {
        li.querySelector('label.visually-hidden').textContent = `Step ${index + 1} agent`;
        li.querySelector('button').setAttribute('aria-label', `Remove step ${index + 1}`);
      });
    }
    for (const step of (agent && agent.steps) || []) stepRow(step);
    const addStep = el('button', { type: 'button', class: 'small', text: 'Add step', onclick: () => { stepRow(null); stepList.lastElementChild.querySelector('select').focus(); } });

    const configured = providers.map((p) => p.name);
    const title = agent ? `Edit agent ${agent.name}` : 'New agent';
    const save = el('button', { type: 'submit', class: 'primary', text: agent ? 'Save agent' : 'Create agent' });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const form = el('form', { class: 'edit-form', 'aria-label': title, novalidate: true, 'data-agent-form': agent ? agent.name : '' },
      agent ? null : f.field('name', 'Agent name', inputs.name, { hint: 'Letters, digits, _ and - (at most 64). It cannot be changed later.' }),
      f.field('kind', 'Kind', inputs.kind),
      f.field('description', 'Description', inputs.description, { wide: true }),
      f.field('system_prompt', 'System prompt', inputs.system_prompt, { wide: true, types: ['chat'] }),
      f.field('provider', 'Providers', inputs.provider, { hint: `Names in order of preference, separated by commas; empty means offline. Configured: ${configured.join(', ') || 'offline'}.` }),
      f.field('model', 'Model', inputs.model, { hint: 'Sent to the first provider only.' }),
      f.field('max_steps', 'Max steps', inputs.max_steps, { hint: 'Model calls per run: 1 to 50.', types: ['chat'] }),
      f.field('temperature', 'Temperature', inputs.temperature, { hint: '0 to 2.', types: ['chat'] }),
      f.group('tools', 'Tools', tools, { types: ['chat'] }),
      f.group('steps', 'Steps', el('div', {}, stepList, addStep), { hint: 'Run in order; each gets the request and the earlier steps\u2019 outputs.', types: ['pipeline'] }),
      f.error,
      el('div', { class: 'actions' }, save, cancel));

    function kindChanged() {
      for (const node of form.querySelectorAll('[data-types]')) node.hidden = !node.dataset.types.split(' ').includes(inputs.kind.value);
      if (inputs.kind.value === 'pipeline' && !stepList.children.length && choices.length) stepRow(null);
    }
    inputs.kind.addEventListener('change', kindChanged);
    kindChanged();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      f.clear();
      const name = agent ? agent.name : inputs.name.value.trim();
      if (!agent) {
        if (!AGENT_NAME.test(name)) {
          f.problem('name', 'use 1 to 64 letters, digits, _ or -');
          inputs.name.focus();
          return;
        }
        if (agents.some((a) => a.name === name)) {
          f.problem('name', `an agent named ${name} exists already: use its Edit button`);
          inputs.name.focus();
          return;
        }
      }
      const kind = inputs.kind.value;
      const body = { description: inputs.description.value.trim(), kind };
      if (!body.description) {
        f.problem('description', 'is required');
        inputs.description.focus();
        return;
      }
      const chosen = names(inputs.provider.value);
      if (chosen.length) body.provider = chosen;
      if (inputs.model.value.trim()) body.model = inputs.model.value.trim();
      if (kind === 'chat') {
        if (inputs.system_prompt.value.trim()) body.system_prompt = inputs.system_prompt.value;
        // The tools the agent had keep their order; newly ticked ones follow.
        const ticked = toolBoxes.filter((box) => box.checked).map((box) => box.value);
        body.tools = [...((agent && agent.tools) || []).filter((t) => ticked.includes(t)), ...ticked.filter((t) => !had.has(t))];
        for (const key of ['max_steps', 'temperature']) {
          const raw = inputs[key].value.trim();
          if (!raw) continue;
          if (!Number.isFinite(Number(raw)) || inputs[key].validity.badInput) {
            f.problem(key, 'enter a number');
            inputs[key].focus();
            return;
          }
          body[key] = Number(raw);
        }
      } else {
        body.steps = [...stepList.children].map((li) => {
          const step = { agent: li.querySelector('select').value };
          if (li.querySelector('input[type="checkbox"]').checked) step.continue_on_error = true;
          return step;
        });
      }
      save.disabled = true;
      try {
        const saved = await A.api('PUT', `/api/admin/agents/${enc(name)}`, body);
        await onSaved(saved, agent);
      } catch (e) {
        if (!kit.is401(e)) f.refused(e);
      } finally {
        save.disabled = false;
      }
    });
    cancel.addEventListener('click', onCancel);
    return { form, focus: () => (agent ? inputs.description : inputs.name).focus() };
  }


  window.CairnAdminAgentForm = Object.freeze({ agentForm });
})();
