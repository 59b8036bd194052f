import CairnCore
import CairnStore
import Foundation

/// Something an agent can do. Arguments arrive already validated against `parameters`.
public protocol Tool: Sendable {
    var name: String { get }
    var description: String { get }
    /// JSON Schema (the subset `SchemaValidator` understands) of the arguments object.
    var parameters: JSONValue { get }
    func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue
}
