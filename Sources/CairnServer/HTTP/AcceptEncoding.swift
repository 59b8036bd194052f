import Foundation

/// What a client's `Accept-Encoding` header allows, as far as the server has a choice: gzip or
/// the bytes as they are (RFC 9110 §12.5.3). A coding listed with `q=0` is refused, `*` stands
/// for every coding not listed, and a missing header allows only the bytes as they are.
///
/// ```swift
/// AcceptEncoding("gzip, deflate, br").allowsGzip      // true
/// AcceptEncoding("br;q=1, gzip;q=0").allowsGzip       // false
/// AcceptEncoding("*").allowsGzip                      // true
/// AcceptEncoding(nil).allowsGzip                      // false
/// ```
struct AcceptEncoding {
    /// The longest header read; beyond it the client gets the bytes as they are.
    static let maximumLength = 1024

    let allowsGzip: Bool

    init(_ header: String?) {
        guard let header, header.utf8.count <= Self.maximumLength else {
            allowsGzip = false
            return
        }
        var gzip: Bool?
        var wildcard: Bool?
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingCharacters(in: .whitespaces).lowercased() else { continue }
            let accepted = !parts.dropFirst().contains { Self.isZeroQuality($0) }
            switch coding {
            case "gzip", "x-gzip": gzip = accepted
            case "*": wildcard = accepted
            default: continue
            }
        }
        allowsGzip = gzip ?? wildcard ?? false
    }

    /// `q=0`, `q=0.0`, `q=0.000`: the coding is not acceptable.
    private static func isZeroQuality(_ parameter: Substring) -> Bool {
        let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard pair.count == 2, pair[0] == "q" else { return false }
        return Double(pair[1]).map { $0 <= 0 } ?? false
    }
}
