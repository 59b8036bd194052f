import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// A coding key made at runtime.
struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
