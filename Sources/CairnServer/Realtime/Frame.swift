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
enum Frame {
    static func envelope(_ type: String, payload: JSONValue) -> String {
        (["type": .string(type), "ts": .string(UTCTimestamp.format(Date())), "payload": payload] as JSONValue).jsonText
    }

    static func error(_ code: String, _ message: String, details: [String: String]? = nil) -> String {
        var payload: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let details { payload["details"] = .object(details.mapValues(JSONValue.string)) }
        return envelope("error", payload: .object(payload))
    }

    static func error(_ error: CairnError) -> String {
        Self.error(error.code.rawValue, error.message, details: error.details)
    }
}
