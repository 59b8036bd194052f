@testable import CairnAgents
import Testing

/// Network failures reach run events and the chat page in plain words.
struct ConnectionProblemTests {
    struct Described: Error, CustomStringConvertible {
        let description: String
    }

    @Test func nioDescriptionsBecomePlainWords() {
        let refused = Described(description: "connection reset (error set): Connection refused (errno: 111)")
        #expect(ProviderHTTP.connectionProblem(refused) == "the connection was refused (nothing is listening at the provider's address)")
        #expect(ProviderHTTP.connectionProblem(Described(description: "connectTimeout")) == "connecting timed out")
        #expect(ProviderHTTP.connectionProblem(Described(description: "NIOTLS handshake failure")) == "the TLS handshake failed")
        #expect(ProviderHTTP.connectionProblem(Described(description: "something odd")) == "connection failed: something odd")
    }
}
