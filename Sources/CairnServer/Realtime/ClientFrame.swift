import CairnCore

/// A client → server `/ws` message, decoded into its domain before anything acts on it: ids
/// have their prefix and shape, numbers are whole and in range, strings are bounded, the type
/// is one of four. Whatever a client sends becomes a `ClientFrame` or a `Rejection` frame.
///
/// ```swift
/// switch ClientFrame.decode(#"{"type":"resume","run_id":"run_…","after_seq":1e19}"#, maxContentBytes: 32_768) {
/// case .success(let frame): …
/// case .failure(let rejection): connection.send(rejection.frame)   // error invalid_request, field after_seq
/// }
/// ```
enum ClientFrame: Sendable, Equatable {
    case ping
    case userMessage(content: String, threadID: ThreadID?, agent: String?, clientMessageID: JSONValue?)
    case cancelRun(RunID)
    case resume(RunID, afterSeq: Int)

    /// Longest agent name and client message id accepted.
    static let maxNameBytes = 64
    static let maxClientMessageIDBytes = 200
    /// The largest `after_seq` (and `?after=`) accepted: 2^53, the whole numbers every JSON client holds exactly.
    static let maxSeq = 1 << 53

    /// Why a message was refused, as the `error` frame the client gets.
    struct Rejection: Error, Equatable {
        let code: CairnError.Code
        let message: String
        var details: [String: String]? = nil

        var frame: String { Frame.error(code, message, details: details) }

        static func invalid(_ checks: FieldChecks) -> Rejection {
            let fields = checks.problems.keys.sorted()
            let message = fields.map { "\($0) \(checks.problems[$0] ?? "is invalid")" }.joined(separator: "; ")
            return Rejection(code: .invalidRequest, message: message, details: checks.problems)
        }
    }

    static func decode(_ text: String, maxContentBytes: Int) -> Result<ClientFrame, Rejection> {
        guard let message = try? JSONValue.parse(text), case .object(let fields) = message else {
            return .failure(Rejection(code: .invalidJSON, message: "message is not a JSON object"))
        }
        var checks = FieldChecks()
        let frame: ClientFrame?
        switch fields["type"]?.stringValue {
        case "ping":
            frame = .ping
        case "user_message":
            let content = checks.text("content", fields["content"], maxBytes: maxContentBytes, required: true)
            let threadText = checks.text("thread_id", fields["thread_id"], maxBytes: 100)
            let agent = checks.text("agent", fields["agent"], maxBytes: maxNameBytes, minBytes: 1)
            let clientID = clientMessageID(fields["client_msg_id"], &checks)
            if !checks.problems.isEmpty { return .failure(.invalid(checks)) }
            var threadID: ThreadID?
            if let threadText {
                guard let id = ThreadID(threadText) else { return .failure(Rejection(code: .notFound, message: "thread not found")) }
                threadID = id
            }
            frame = content.map { .userMessage(content: $0, threadID: threadID, agent: agent, clientMessageID: clientID) }
        case "cancel_run":
            guard let runID = runID(fields["run_id"], &checks) else { return .failure(checks.problems.isEmpty ? notFound : .invalid(checks)) }
            frame = .cancelRun(runID)
        case "resume":
            let after = checks.integer("after_seq", fields["after_seq"], in: 0...maxSeq, default: 0)
            let id = runID(fields["run_id"], &checks)
            if !checks.problems.isEmpty { return .failure(.invalid(checks)) }
            guard let id, let after else { return .failure(notFound) }
            frame = .resume(id, afterSeq: after)
        case let other:
            let shown = String((other ?? "").prefix(64))
            return .failure(Rejection(code: .unknownType, message: "unknown message type '\(shown)'"))
        }
        guard let frame, checks.problems.isEmpty else { return .failure(.invalid(checks)) }
        return .success(frame)
    }

    static let notFound = Rejection(code: .notFound, message: "run not found")

    /// A run id: a string (else `invalid_request`); a string of the wrong shape is simply not found.
    private static func runID(_ value: JSONValue?, _ checks: inout FieldChecks) -> RunID? {
        guard let text = checks.text("run_id", value, maxBytes: 100, required: true) else { return nil }
        return RunID(text)
    }

    /// Echoed back verbatim, so it is bounded: a short string or a whole number.
    private static func clientMessageID(_ value: JSONValue?, _ checks: inout FieldChecks) -> JSONValue? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            return checks.text("client_msg_id", text, maxBytes: maxClientMessageIDBytes).map(JSONValue.string)
        case .number(let number)?:
            // Whole numbers JavaScript can hold exactly.
            guard checks.integer("client_msg_id", value, in: -(1 << 53)...(1 << 53)) != nil else { return nil }
            return .number(number)
        default:
            checks.fail("client_msg_id", "must be a string of at most \(maxClientMessageIDBytes) bytes or a whole number")
            return nil
        }
    }
}
