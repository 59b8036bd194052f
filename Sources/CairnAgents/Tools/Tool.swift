import CairnCore
import CairnStore
import Foundation

/// Something an agent can do. Arguments arrive already validated against `parameters`.
///
/// `ToolDispatcher` runs a tool under `tools.timeout_seconds` and turns a thrown `ToolFailure`
/// (or any other error) into an `ok: false` result the model sees: the run goes on. A tool
/// reaches storage only through `context`, always as the run's user. Tools are listed in
/// `BuiltinTools.all` and offered to the agents that name them.
///
/// ```swift
/// struct UpperCaseTool: Tool {
///     let name = "upper_case"
///     let description = "Returns the text in upper case."
///     let parameters: JSONValue = [
///         "type": "object",
///         "properties": ["text": ["type": "string", "maxLength": 1000]],
///         "required": ["text"],
///         "additionalProperties": false,
///     ]
///
///     func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
///         guard let text = arguments["text"]?.stringValue else { throw ToolFailure("text is required") }
///         return ["text": .string(text.uppercased())]
///     }
/// }
/// ```
public protocol Tool: Sendable {
    var name: String { get }
    var description: String { get }
    /// JSON Schema (the subset `SchemaValidator` understands) of the arguments object.
    var parameters: JSONValue { get }
    func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue
}
