import CairnCore

/// Validates tool arguments against the JSON Schema subset Cairn's tools use: `type` (object,
/// string, number, integer, boolean, array), `properties`, `required`, `additionalProperties:
/// false`, `enum`, `minLength`/`maxLength`, `minimum`/`maximum`, `items`.
public enum SchemaValidator {
    /// The problems found, empty when `value` conforms. Paths look like `arguments.timezone`.
    public static func problems(_ value: JSONValue, against schema: JSONValue, path: String = "arguments") -> [String] {
        var found: [String] = []
        if let type = schema["type"]?.stringValue, !matches(value, type: type) {
            return ["\(path) must be of type \(type)"]
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            found.append("\(path) must be one of \(options.map(\.jsonText).joined(separator: ", "))")
        }
        switch value {
        case .object(let object):
            let properties = schema["properties"]?.objectValue ?? [:]
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
                found.append("\(path).\(required) is required")
            }
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                if let childSchema = properties[key] {
                    found += problems(child, against: childSchema, path: "\(path).\(key)")
                } else if schema["additionalProperties"]?.boolValue == false {
                    found.append("\(path).\(key) is not allowed")
                }
            }
        case .string(let text):
            if let min = schema["minLength"]?.numberValue, Double(text.count) < min {
                found.append("\(path) must have at least \(JSONValue.number(min).jsonText) characters")
            }
            if let max = schema["maxLength"]?.numberValue, Double(text.count) > max {
                found.append("\(path) must have at most \(JSONValue.number(max).jsonText) characters")
            }
        case .number(let number):
            if let min = schema["minimum"]?.numberValue, number < min { found.append("\(path) must be at least \(min)") }
            if let max = schema["maximum"]?.numberValue, number > max { found.append("\(path) must be at most \(max)") }
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += problems(item, against: itemSchema, path: "\(path)[\(index)]") }
            }
        default:
            break
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("string", .string), ("number", .number), ("boolean", .bool), ("array", .array), ("null", .null): true
        case ("integer", .number(let number)): number.rounded() == number && number.isFinite
        default: false
        }
    }
}
