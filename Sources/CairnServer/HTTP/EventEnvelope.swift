import CairnCore
import Foundation

/// The one wire shape of a run event: `{type, ts, run_id, thread_id, seq, agent?, payload}`.
enum EventEnvelope {
    static func json(_ event: RunEvent) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(event.type), "ts": .string(Timestamp.format(event.at)), "run_id": .string(event.runID.rawValue),
            "thread_id": .string(event.threadID.rawValue), "seq": .number(Double(event.seq)), "payload": event.payload,
        ]
        if let agent = event.agent { object["agent"] = .string(agent) }
        return .object(object)
    }

    /// One Server-Sent Events frame; `id` is the seq so `Last-Event-ID` resumes exactly.
    static func sse(_ event: RunEvent) -> String {
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(json(event).jsonText)\n\n"
    }
}
