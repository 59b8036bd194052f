import Foundation

/// Finds the first arithmetic expression in free text in one linear pass (a regular expression
/// with nested repetition took quadratic time on long digit runs, which a user controls).
///
/// ```swift
/// ArithmeticSpan.first(in: "what is 12 * (3 + 4)?")   // "12 * (3 + 4)"
/// ArithmeticSpan.first(in: "call 555 1234")           // nil: no operator between digits
/// ```
enum ArithmeticSpan {
    static let operators: Set<Character> = ["+", "-", "*", "/", "%", "^", "×", "÷"]
    static let leading: Set<Character> = ["-", "+", "("]

    static func isMember(_ char: Character) -> Bool {
        char.isASCII && char.isNumber || char.isWhitespace || char == "." || char == "(" || char == ")" || operators.contains(char)
    }

    static func isDigit(_ char: Character) -> Bool { char.isASCII && char.isNumber }

    /// The expression: optional signs and opening parentheses, a digit, an operator later on, and
    /// everything up to the last digit after it (plus closing parentheses), all within one run of
    /// arithmetic characters.
    static func first(in text: String) -> String? {
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            guard isMember(chars[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < chars.count, isMember(chars[end]) { end += 1 }
            if let span = span(chars[index..<end]) { return span.trimmingCharacters(in: .whitespaces) }
            index = end
        }
        return nil
    }

    private static func span(_ run: ArraySlice<Character>) -> String? {
        guard let firstDigit = run.firstIndex(where: isDigit) else { return nil }
        var start = firstDigit
        while start > run.startIndex, leading.contains(run[start - 1]) { start -= 1 }
        guard let op = run[(firstDigit + 1)...].firstIndex(where: { operators.contains($0) }),
            let lastDigit = run[(op + 1)...].lastIndex(where: isDigit)
        else { return nil }
        var end = lastDigit + 1
        while end < run.endIndex, run[end] == ")" { end += 1 }
        return String(run[start..<end])
    }
}
