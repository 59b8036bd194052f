import CairnCore
import Foundation

/// The built-in model used when no real provider is configured. It is deterministic and says
/// what it is in every answer; it picks tools by recognisable intent and streams word by word.
public struct OfflineProvider: LLMProvider {
    public static let modelName = "cairn-offline"
    public let name: String
    public let defaultModel = OfflineProvider.modelName
    /// Delay between streamed words, read per call so the setting applies at runtime.
    let chunkDelay: @Sendable () -> Duration

    public init(name: String = "offline", chunkDelay: @escaping @Sendable () -> Duration) {
        self.name = name
        self.chunkDelay = chunkDelay
    }

    public func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error> {
        let reply = Self.reply(to: request)
        let delay = chunkDelay()
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    if let call = reply.toolCall {
                        continuation.yield(.toolCall(call))
                    } else {
                        let words = reply.text.split(separator: " ", omittingEmptySubsequences: false)
                        for (index, word) in words.enumerated() {
                            try Task.checkCancellation()
                            if delay > .zero { try await Task.sleep(for: delay) }
                            continuation.yield(.text(index == words.count - 1 ? String(word) : word + " "))
                        }
                    }
                    continuation.yield(
                        .usage(
                            input: Self.countWords(request.messages.map(\.content).joined(separator: " ")),
                            output: Self.countWords(reply.text)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    struct Reply {
        var text = ""
        var toolCall: ToolCall?
    }

    static let prefix = "[cairn-offline]"
    /// How much of a message the pattern matching reads: work on user input stays bounded however
    /// long the message is (the limit of a message is `messages.max_bytes`, up to 1 MiB).
    static let maxAnalysedBytes = 4096

    /// The first `maxAnalysedBytes` of `text` (cut at a character boundary) and whether it was cut.
    static func bounded(_ text: String) -> (text: String, cut: Bool) {
        guard text.utf8.count > maxAnalysedBytes else { return (text, false) }
        // A cut inside a character decodes to U+FFFD, which is dropped.
        let head = String(decoding: text.utf8.prefix(maxAnalysedBytes), as: UTF8.self)
        return (head.hasSuffix("\u{FFFD}") ? String(head.dropLast()) : head, true)
    }

    static func reply(to request: ProviderRequest) -> Reply {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n")
        guard let last = request.messages.last else { return Reply(text: "\(prefix) Nothing to answer.") }
        if last.role == .tool {
            return Reply(text: summarizeTools(request.messages))
        }
        if let step = match(#"Pipeline step '([a-z_]+)'"#, in: bounded(system).text)?.first {
            return Reply(text: stepSummary(step: step, input: last.content))
        }
        let tools = Set(request.tools.map(\.name))
        let (read, cut) = bounded(last.content)
        if let call = intent(read, tools: tools, index: request.messages.count) {
            return Reply(toolCall: call)
        }
        let preview = last.content.excerpt(120)
        let note =
            cut ? " Your message is \(last.content.utf8.count) bytes long; I looked for requests in its first \(maxAnalysedBytes) bytes only." : ""
        return Reply(
            text: "\(prefix) This reply comes from Cairn's built-in offline model, not a language model: no provider is configured. "
                + "You wrote \(countWords(last.content)) words: \"\(preview)\".\(note)")
    }

    static func intent(_ text: String, tools: Set<String>, index: Int) -> ToolCall? {
        let lower = text.lowercased()
        func call(_ name: String, _ arguments: JSONValue) -> ToolCall? {
            tools.contains(name) ? ToolCall(id: "call_\(index)_\(name)", name: name, arguments: arguments.jsonText) : nil
        }
        if let note = match(#"^\s*remember(?: that)?[:,]?\s+(.+)$"#, in: text, options: [.caseInsensitive, .dotMatchesLineSeparators])?.first {
            return call("remember", ["note": .string(note.trimmingCharacters(in: .whitespacesAndNewlines))])
        }
        if let url = match(#"\b(?:fetch|download|get)\s+(https?://\S+)"#, in: text, options: [.caseInsensitive])?.first {
            return call("http_get", ["url": .string(url)])
        }
        if lower.contains("what do you remember") || lower.hasPrefix("recall") {
            return call("recall", [:])
        }
        if let topic = match(#"what did i (?:say|write|tell you|mention) about (.+?)[?.!]*$"#, in: text, options: [.caseInsensitive])?.first {
            return call("search_messages", ["query": .string(topic)])
        }
        if let expression = ArithmeticSpan.first(in: text) {
            return call("calculator", ["expression": .string(expression)])
        }
        let asksTime = ["time", "date", "day"].contains { lower.range(of: "\\b\($0)\\b", options: .regularExpression) != nil }
        if asksTime, ["what", "current", "now", "today"].contains(where: { lower.contains($0) }) {
            let zone = match(#"\b([A-Z][A-Za-z]+/[A-Za-z_]+)\b"#, in: text)?.first ?? "UTC"
            return call("current_time", ["timezone": .string(zone)])
        }
        return nil
    }

    static func summarizeTools(_ messages: [ChatMessage]) -> String {
        let lastAssistant = messages.lastIndex { $0.role == .assistant && !$0.toolCalls.isEmpty } ?? 0
        let calls = messages[lastAssistant].toolCalls
        var sentences: [String] = []
        for message in messages[lastAssistant...] where message.role == .tool {
            let tool = calls.first { $0.id == message.toolCallID }?.name ?? "tool"
            let result = (try? JSONValue.parse(message.content)) ?? .null
            if let error = result["error"]?.stringValue {
                sentences.append("The \(tool) tool failed: \(error).")
                continue
            }
            switch tool {
            case "calculator":
                let value = result["value"]?.numberValue ?? .nan
                let shown = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
                sentences.append("\(result["expression"]?.stringValue ?? "The expression") = \(shown).")
            case "current_time":
                sentences.append("It is \(result["iso8601"]?.stringValue ?? "?") in \(result["timezone"]?.stringValue ?? "UTC").")
            case "remember":
                sentences.append("I will remember: \(result["stored"]?.stringValue ?? "").")
            case "recall":
                let notes = result["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
                sentences.append(
                    notes.isEmpty
                        ? "You have not asked me to remember anything yet." : "You asked me to remember: " + notes.joined(separator: "; ") + ".")
            case "http_get":
                let status = result["status"]?.intValue ?? 0
                let body = result["body"]?.stringValue ?? ""
                sentences.append("The page answered \(status) with \(body.utf8.count) bytes: \"\(body.excerpt(120))\".")
            case "search_messages":
                let matches = result["matches"]?.arrayValue ?? []
                let first = matches.first?["content"]?.stringValue.map { " The first: \"\($0.excerpt(120))\"." } ?? ""
                sentences.append("I found \(matches.count) earlier message\(matches.count == 1 ? "" : "s") about that.\(first)")
            default:
                sentences.append("The \(tool) tool returned \(result.jsonText).")
            }
        }
        return "\(prefix) " + sentences.joined(separator: " ")
    }

    /// A deterministic structured summary for a pipeline step; triage may ask to skip steps.
    static func stepSummary(step: String, input: String) -> String {
        let request = input.components(separatedBy: "\n\nPrevious steps:").first?.replacingOccurrences(of: "Request: ", with: "") ?? input
        let words = countWords(request)
        let previous = input.components(separatedBy: "\n- ").count - 1
        switch step {
        case "triage":
            let lower = request.lowercased()
            let greeting = ["hello", "hi", "hey", "thanks", "thank you"].contains { lower.hasPrefix($0) }
            let category = greeting ? "greeting" : lower.contains("?") ? "question" : "task"
            let skip: [JSONValue] = greeting || words < 4 ? ["optimization", "actions"] : []
            return (["step": "triage", "category": .string(category), "words": .number(Double(words)), "skip": .array(skip)] as JSONValue).jsonText
        case "reporting":
            return
                "\(prefix) Report on \"\(request.excerpt(80))\": \(previous) earlier step\(previous == 1 ? "" : "s") ran; this summary is deterministic, not model-written."
        default:
            return
                ([
                    "step": .string(step), "summary": .string(request.excerpt(80)), "words": .number(Double(words)),
                    "previous_steps": .number(Double(previous)),
                ] as JSONValue).jsonText
        }
    }

    static func countWords(_ text: String) -> Int {
        text.split(whereSeparator: { $0.isWhitespace }).count
    }

    /// Capture groups of the first match (`first` is group 1), plus the whole match.
    static func match(_ pattern: String, in text: String, options: NSRegularExpression.Options = []) -> (first: String?, whole: String)? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options),
            let result = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let whole = Range(result.range, in: text)
        else { return nil }
        let first = result.numberOfRanges > 1 ? Range(result.range(at: 1), in: text).map { String(text[$0]) } : nil
        return (first, String(text[whole]))
    }
}
