import CairnAgents
import CairnAuth
import CairnCore
import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// Server → client frames in the one envelope shape.
///
/// ```swift
/// connection.send(Frame.envelope(.pong, payload: [:]))
/// connection.send(Frame.error(.rateLimited, "too many messages; slow down"))
/// ```
enum Frame {
    /// The `type` of a frame that is not a run event.
    enum Kind: String {
        case connectionEstablished = "connection_established"
        case pong, error
        case messageAccepted = "message_accepted"
    }

    static func envelope(_ type: Kind, payload: JSONValue) -> String {
        (["type": .string(type.rawValue), "ts": .string(UTCTimestamp.format(Date())), "payload": payload] as JSONValue).jsonText
    }

    static func error(_ code: CairnError.Code, _ message: String, details: [String: String]? = nil) -> String {
        var payload: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message)]
        if let details { payload["details"] = .object(details.mapValues(JSONValue.string)) }
        return envelope(.error, payload: .object(payload))
    }

    static func error(_ error: CairnError) -> String {
        Self.error(error.code, error.message, details: error.details)
    }
}
