import CairnCore
import Foundation
import HTTPTypes
import Hummingbird

/// The one JSON dialect of the API: snake_case keys, RFC 3339 timestamps with milliseconds.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads and decodes a JSON body, mapping every failure to the API's error shape.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: CairnRequestContext) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw CairnError(.payloadTooLarge, "request body exceeds \(context.maxUploadSize) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw CairnError(.invalidRequest, "request body must be a JSON object")
        }
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw mapDecodingError(error)
        }
    }

    static func mapDecodingError(_ error: DecodingError) -> CairnError {
        func field(_ path: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let names = (path + (key.map { [$0] } ?? [])).map { snakeCase($0.stringValue) }
            return names.isEmpty ? "body" : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .validation([field(context.codingPath, key): "is required"])
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if context.codingPath.isEmpty { return CairnError(.invalidRequest, "request body must be a JSON object") }
            return .validation([field(context.codingPath): "has the wrong type"])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return CairnError(.invalidRequest, "request body is not valid JSON") }
            return .validation([field(context.codingPath): "is malformed"])
        @unknown default:
            return CairnError(.invalidRequest, "request body could not be read")
        }
    }

    static func snakeCase(_ name: String) -> String {
        var out = ""
        for char in name {
            if char.isUppercase { out += "_" + char.lowercased() } else { out.append(char) }
        }
        return out
    }
}

/// RFC 3339 UTC with milliseconds, the only timestamp format of the API.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        )
    }
}
