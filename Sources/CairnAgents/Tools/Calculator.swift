import CairnCore
import Foundation

/// Arithmetic by a real recursive-descent parser: numbers, + - * / % ^, parentheses, unary signs,
/// `pi`, `e`, `sqrt(x)`, `abs(x)`. Anything else is rejected; nothing is ever evaluated as code.
public enum Calculator {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    static let maximumLength = 1000
    static let maximumDepth = 64

    public static func evaluate(_ expression: String) throws(Failure) -> Double {
        guard expression.utf8.count <= maximumLength else { throw Failure(description: "expression is longer than \(maximumLength) characters") }
        var parser = Parser(tokens: try tokenize(expression))
        let value = try parser.parseExpression(depth: 0)
        guard parser.position == parser.tokens.count else { throw Failure(description: "unexpected \(parser.tokens[parser.position]) at the end") }
        guard value.isFinite else { throw Failure(description: "result is not a finite number") }
        return value
    }

    enum Token: Equatable, CustomStringConvertible {
        case number(Double)
        case op(Character)
        case open, close
        case identifier(String)
        case comma
        var description: String {
            switch self {
            case .number(let n): "\(n)"
            case .op(let c): "'\(c)'"
            case .open: "'('"
            case .close: "')'"
            case .identifier(let name): "'\(name)'"
            case .comma: "','"
            }
        }
    }

    static func tokenize(_ text: String) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            let char = chars[index]
            if char.isWhitespace {
                index += 1
                continue
            }
            if char.isASCII && (char.isNumber || char == ".") {
                var end = index
                while end < chars.count, chars[end].isASCII, chars[end].isNumber || chars[end] == "." { end += 1 }
                // Scientific notation: 1e5, 2.5E-3
                if end < chars.count, chars[end] == "e" || chars[end] == "E", end + 1 < chars.count,
                    chars[end + 1].isNumber || ((chars[end + 1] == "-" || chars[end + 1] == "+") && end + 2 < chars.count && chars[end + 2].isNumber)
                {
                    end += 2
                    while end < chars.count, chars[end].isASCII, chars[end].isNumber { end += 1 }
                }
                guard let value = Double(String(chars[index..<end])) else {
                    throw Failure(description: "malformed number \(String(chars[index..<end]))")
                }
                tokens.append(.number(value))
                index = end
            } else if "+-*/%^×÷".contains(char) {
                tokens.append(.op(char == "×" ? "*" : char == "÷" ? "/" : char))
                index += 1
            } else if char == "(" {
                tokens.append(.open)
                index += 1
            } else if char == ")" {
                tokens.append(.close)
                index += 1
            } else if char == "," {
                tokens.append(.comma)
                index += 1
            } else if char.isASCII && char.isLetter {
                var end = index
                while end < chars.count, chars[end].isASCII, chars[end].isLetter { end += 1 }
                tokens.append(.identifier(String(chars[index..<end]).lowercased()))
                index = end
            } else {
                throw Failure(description: "unexpected character '\(char)'")
            }
        }
        guard !tokens.isEmpty else { throw Failure(description: "empty expression") }
        return tokens
    }

    struct Parser {
        let tokens: [Token]
        var position = 0

        mutating func next() -> Token? {
            guard position < tokens.count else { return nil }
            defer { position += 1 }
            return tokens[position]
        }
        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func parseExpression(depth: Int) throws(Failure) -> Double {
            guard depth < Calculator.maximumDepth else { throw Failure(description: "expression is nested too deeply") }
            var value = try parseTerm(depth: depth)
            while case .op(let op)? = peek, op == "+" || op == "-" {
                _ = next()
                let rhs = try parseTerm(depth: depth)
                value = op == "+" ? value + rhs : value - rhs
            }
            return value
        }

        mutating func parseTerm(depth: Int) throws(Failure) -> Double {
            var value = try parseUnary(depth: depth)
            while case .op(let op)? = peek, op == "*" || op == "/" || op == "%" {
                _ = next()
                let rhs = try parseUnary(depth: depth)
                if op != "*" && rhs == 0 { throw Failure(description: "division by zero") }
                value = op == "*" ? value * rhs : op == "/" ? value / rhs : value.truncatingRemainder(dividingBy: rhs)
            }
            return value
        }

        mutating func parseUnary(depth: Int) throws(Failure) -> Double {
            if case .op(let op)? = peek, op == "-" || op == "+" {
                _ = next()
                guard depth < Calculator.maximumDepth else { throw Failure(description: "expression is nested too deeply") }
                let value = try parseUnary(depth: depth + 1)
                return op == "-" ? -value : value
            }
            return try parsePower(depth: depth)
        }

        mutating func parsePower(depth: Int) throws(Failure) -> Double {
            let base = try parsePrimary(depth: depth)
            if case .op("^")? = peek {
                _ = next()
                let exponent = try parseUnary(depth: depth + 1)
                let value = pow(base, exponent)
                guard value.isFinite else { throw Failure(description: "result is not a finite number") }
                return value
            }
            return base
        }

        mutating func parsePrimary(depth: Int) throws(Failure) -> Double {
            switch next() {
            case .number(let value)?:
                return value
            case .open?:
                let value = try parseExpression(depth: depth + 1)
                guard next() == .close else { throw Failure(description: "missing ')'") }
                return value
            case .identifier("pi")?: return Double.pi
            case .identifier("e")?: return M_E
            case .identifier(let name)? where name == "sqrt" || name == "abs":
                guard next() == .open else { throw Failure(description: "\(name) needs parentheses") }
                let argument = try parseExpression(depth: depth + 1)
                guard next() == .close else { throw Failure(description: "missing ')'") }
                if name == "sqrt" {
                    guard argument >= 0 else { throw Failure(description: "square root of a negative number") }
                    return argument.squareRoot()
                }
                return abs(argument)
            case .identifier(let name)?:
                throw Failure(description: "unknown name '\(name)'")
            case let token?:
                throw Failure(description: "unexpected \(token)")
            case nil:
                throw Failure(description: "expression ends too early")
            }
        }
    }
}
