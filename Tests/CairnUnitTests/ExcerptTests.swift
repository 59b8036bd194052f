import CairnCore
import Testing

/// Quotes and titles end on a word boundary.
struct ExcerptTests {
    @Test func cutsAtAWordBoundaryWithAnEllipsis() {
        #expect("Tell me a long story about cairns".excerpt(16) == "Tell me a long…")
        #expect("short".excerpt(80) == "short")
        #expect("exactly ten".excerpt(11) == "exactly ten")
        #expect("  spaced\n\nout   text ".excerpt(80) == "spaced out text")
        #expect("Supercalifragilistic word".excerpt(8) == "Superca…", "one long word is cut inside it")
        #expect("é🙂é🙂 and more".excerpt(6) == "é🙂é🙂…", "characters, not bytes")
    }
}
