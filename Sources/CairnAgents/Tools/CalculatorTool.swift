import CairnCore
import Foundation

/// The `calculator` tool.
public struct CalculatorTool: Tool {
    public let name = "calculator"
    public let description = "Evaluates an arithmetic expression (+ - * / % ^, parentheses, sqrt, abs, pi, e)."
    public let parameters: JSONValue = [
        "type": "object",
        "properties": ["expression": ["type": "string", "minLength": 1, "maxLength": 1000]],
        "required": ["expression"],
        "additionalProperties": false,
    ]

    public init() {}

    public func execute(_ arguments: [String: JSONValue], context: ToolContext) async throws -> JSONValue {
        let expression = arguments["expression"]?.stringValue ?? ""
        do {
            let value = try Calculator.evaluate(expression)
            return ["expression": .string(expression), "value": .number(value)]
        } catch {
            throw ToolFailure(error.description)
        }
    }
}
