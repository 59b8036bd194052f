import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationEssentialsCompat

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
        let data = Data(buffer: buffer)
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw mapDecodingError(error, body: data)
        }
    }

    /// Foundation reports a number that does not fit the field's integer type (`1e300` for an
    /// `Int`) without the field's path; find the numbers that fit no integer and name them.
    static func unrepresentableNumbers(in body: Data) -> [String] {
        guard let value = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else { return [] }
        // Too large for any integer first; failing that, fractions (which an integer field refuses too).
        return numbers(in: value) { abs($0) >= 9.2e18 || !$0.isFinite }.nonEmpty ?? numbers(in: value) { $0.rounded() != $0 }
    }

    private static func numbers(in value: JSONValue, where predicate: (Double) -> Bool) -> [String] {
        var found: [String] = []
        func walk(_ value: JSONValue, _ path: String, depth: Int) {
            guard depth < 8, found.count < 10 else { return }
            switch value {
            case .number(let number) where predicate(number):
                found.append(path.isEmpty ? "body" : path)
            case .object(let fields):
                for (key, child) in fields.sorted(by: { $0.key < $1.key }) { walk(child, path.isEmpty ? key : "\(path).\(key)", depth: depth + 1) }
            case .array(let items):
                for (index, child) in items.prefix(100).enumerated() { walk(child, "\(path)[\(index)]", depth: depth + 1) }
            default: break
            }
        }
        walk(value, "", depth: 0)
        return found
    }

    static func mapDecodingError(_ error: DecodingError, body: Data = Data()) -> CairnError {
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
            if context.codingPath.isEmpty {
                let numbers = unrepresentableNumbers(in: body)
                if !numbers.isEmpty {
                    return .validation(Dictionary(numbers.map { ($0, "must be a whole number in its field's range") }) { first, _ in first })
                }
                return CairnError(.invalidRequest, "request body is not valid JSON")
            }
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

extension Array {
    /// Nil when empty, so `a.nonEmpty ?? b` picks the first list that has something.
    var nonEmpty: Self? { isEmpty ? nil : self }
}
