import Foundation

/// A run event: one envelope shape for the log, SSE and WebSocket alike. The payload is encoded
/// once, when the event is made (or read from the log as stored), and the wire envelope is built
/// from those bytes once per event: the log, every socket and every SSE stream share them.
///
/// ```swift
/// let event = RunEvent(runID: run, threadID: thread, userID: user, seq: 1, type: .runStatus,
///                      agent: nil, payload: ["status": "queued"], at: Date())
/// event.envelopeJSON   // {"payload":{"status":"queued"},"run_id":"run_…","seq":1,…,"type":"run_status"}
/// ```
public struct RunEvent: Sendable, Equatable {
    public let runID: RunID
    public let threadID: ThreadID
    /// The owner; used for routing to followers, never serialized.
    public let userID: UserID
    public let seq: Int
    public let type: RunEventType
    public let agent: String?
    /// The payload as compact JSON text with sorted keys: what the log stores.
    public let payloadJSON: String
    public let at: Date
    /// `{"agent"?,"payload","run_id","seq","thread_id","ts","type"}`, keys sorted.
    public let envelopeJSON: String

    public init(runID: RunID, threadID: ThreadID, userID: UserID, seq: Int, type: RunEventType, agent: String?, payload: JSONValue, at: Date) {
        self.init(runID: runID, threadID: threadID, userID: userID, seq: seq, type: type, agent: agent, payloadJSON: payload.jsonText, at: at)
    }

    /// An event as the log stores it: the payload text is used as it is.
    public init(runID: RunID, threadID: ThreadID, userID: UserID, seq: Int, type: RunEventType, agent: String?, payloadJSON: String, at: Date) {
        self.runID = runID
        self.threadID = threadID
        self.userID = userID
        self.seq = seq
        self.type = type
        self.agent = agent
        self.payloadJSON = payloadJSON
        // Whole milliseconds, as the log stores them: a replayed event is byte for byte the live one.
        let millis = at.millis
        self.at = Date(millis: millis)
        var envelope = "{"
        if let agent { envelope += "\"agent\":" + JSONText.quoted(agent) + "," }
        envelope += "\"payload\":" + payloadJSON + ",\"run_id\":\"" + runID.rawValue + "\",\"seq\":" + String(seq)
        envelope +=
            ",\"thread_id\":\"" + threadID.rawValue + "\",\"ts\":\"" + UTCTimestamp.format(millis: millis) + "\",\"type\":\"" + type.rawValue + "\"}"
        envelopeJSON = envelope
    }

    /// The payload as a value, parsed from its text (for the few readers that look inside).
    public var payload: JSONValue { (try? JSONValue.parse(payloadJSON)) ?? .null }

    /// One Server-Sent Events frame; `id` is the seq so `Last-Event-ID` resumes exactly.
    public var sseFrame: String { "id: \(seq)\nevent: \(type.rawValue)\ndata: \(envelopeJSON)\n\n" }

    public static func == (lhs: RunEvent, rhs: RunEvent) -> Bool {
        lhs.runID == rhs.runID && lhs.seq == rhs.seq && lhs.type == rhs.type && lhs.agent == rhs.agent && lhs.payloadJSON == rhs.payloadJSON
            && lhs.at == rhs.at && lhs.userID == rhs.userID && lhs.threadID == rhs.threadID
    }
}
