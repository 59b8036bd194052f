import Foundation
import JWTKit

/// A boolean a provider may send as `true` or `"true"`.
struct FlexibleBool: Codable, Sendable, Equatable {
    let value: Bool
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { value = flag } else { value = (try container.decode(String.self)).lowercased() == "true" }
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
