extension String {
    /// The text cut to at most `limit` characters at a word boundary, with "…" when cut, so a
    /// quote or a title never ends mid-word. A first word longer than the limit is cut inside it.
    ///
    /// ```swift
    /// "Tell me a long story about cairns".excerpt(16)   // "Tell me a long…"
    /// ```
    public func excerpt(_ limit: Int) -> String {
        let collapsed = split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard collapsed.count > limit, limit > 1 else { return collapsed }
        let head = collapsed.prefix(limit - 1)
        let cut = head.lastIndex(of: " ").map { head[..<$0] } ?? head
        return String(cut) + "…"
    }
}
