@testable import CairnAgents
@testable import CairnAuth
import CairnCore
@testable import CairnServer
import CairnTestSupport
import Foundation
import PropertyBased
import Testing

/// Every value a client (or a vendor) sends is decoded into its domain; these are the decoders.
@Suite("Hostile input is decoded into its domain")
struct HostileInputTests {
    static let runID = RunID.generate().rawValue

    func resume(_ raw: String) -> Result<ClientFrame, ClientFrame.Rejection> {
        ClientFrame.decode(#"{"type":"resume","run_id":"\#(Self.runID)","after_seq":\#(raw)}"#, maxContentBytes: 1024)
    }

    /// The frames that killed the process (`Int(Double)` traps on them) are refused, naming the field.
    @Test(arguments: ["1e19", "-1e19", "1e308", "-1e308", "9223372036854775808", "-9223372036854775809", "0.5", "-1",
                      "\"1\"", "\"x\"", "true", "[]", "{}", "9007199254740994"])
    func resumeWithAnAfterSeqOutsideItsDomainIsAnInvalidRequest(raw: String) throws {
        guard case .failure(let rejection) = resume(raw) else { Issue.record("\(raw) was accepted"); return }
        #expect(rejection.code.rawValue == "invalid_request", "\(raw)")
        #expect(rejection.details?["after_seq"] != nil, "\(raw)")
    }

    @Test func resumeAcceptsTheWholeNumbersOfItsDomain() {
        for (raw, expected) in [("0", 0), ("-0", 0), ("7", 7), ("1e2", 100), ("9007199254740992", 9_007_199_254_740_992), ("null", 0)] {
            guard case .success(.resume(_, let after)) = resume(raw) else { Issue.record("\(raw) refused"); continue }
            #expect(after == expected)
        }
    }

    @Test func userMessageFieldsAreBounded() {
        let long = String(repeating: "é", count: 600)   // 1,200 bytes
        let cases: [(String, String)] = [
            (#"{"type":"user_message","content":"\#(long)"}"#, "content"),
            (#"{"type":"user_message","content":5}"#, "content"),
            (#"{"type":"user_message"}"#, "content"),
            (#"{"type":"user_message","content":"hi","agent":""}"#, "agent"),
            (#"{"type":"user_message","content":"hi","agent":"\#(String(repeating: "a", count: 65))"}"#, "agent"),
            (#"{"type":"user_message","content":"hi","client_msg_id":"\#(String(repeating: "c", count: 201))"}"#, "client_msg_id"),
            (#"{"type":"user_message","content":"hi","client_msg_id":1e300}"#, "client_msg_id"),
            (#"{"type":"user_message","content":"hi","client_msg_id":{"a":1}}"#, "client_msg_id"),
            (#"{"type":"user_message","content":"hi","thread_id":7}"#, "thread_id"),
        ]
        for (text, field) in cases {
            guard case .failure(let rejection) = ClientFrame.decode(text, maxContentBytes: 1024) else { Issue.record("accepted: \(field)"); continue }
            #expect(rejection.code.rawValue == "invalid_request" && rejection.details?[field] != nil, "\(field): \(rejection)")
        }
        // A malformed thread id is simply not found, as the API treats every wrong-shaped id.
        if case .failure(let rejection) = ClientFrame.decode(#"{"type":"user_message","content":"hi","thread_id":"thr_nope"}"#, maxContentBytes: 1024) {
            #expect(rejection.code.rawValue == "not_found")
        } else { Issue.record("malformed thread id accepted") }
        #expect(ClientFrame.decode(#"{"type":"user_message","content":"hi","client_msg_id":"abc"}"#, maxContentBytes: 1024)
                == .success(.userMessage(content: "hi", threadID: nil, agent: nil, clientMessageID: "abc")))
    }

    /// Any frame at all decodes into the domain or is refused with a documented code; none traps.
    @Test func anyFrameDecodesIntoItsDomainOrIsRefused() async {
        let codes: Set<String> = ["invalid_json", "unknown_type", "invalid_request", "not_found"]
        await propertyCheck(count: 3_000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var fuzz = HostileJSON(seed: seed)
            let text = fuzz.document(fuzz.object(keys: ["type", "content", "thread_id", "agent", "client_msg_id", "run_id", "after_seq"],
                                                 typeValues: ["ping", "user_message", "cancel_run", "resume", "x"]))
            switch ClientFrame.decode(text, maxContentBytes: 4096) {
            case .success(.resume(_, let after)): #expect((0...ClientFrame.maxSeq).contains(after), "seed \(seed)")
            case .success(.userMessage(let content, _, let agent, _)):
                #expect(content.utf8.count <= 4096 && (agent?.utf8.count ?? 1) <= ClientFrame.maxNameBytes, "seed \(seed)")
            case .success: break
            case .failure(let rejection):
                #expect(codes.contains(rejection.code.rawValue), "seed \(seed): \(rejection.code)")
                #expect(rejection.message.utf8.count < 2_000, "seed \(seed): the error echoes too much")
            }
        }
    }

    @Test func jsonIntegersNeverTrap() {
        for value: Double in [1e19, -1e19, 1e308, .infinity, -.infinity, .nan, 0.5, 9_223_372_036_854_775_808] {
            #expect(JSONValue.number(value).intValue == nil, "\(value)")
        }
        #expect(JSONValue.number(-0.0).intValue == 0)
        #expect(JSONValue.number(42).intValue == 42)
        #expect(JSONValue.string("42").intValue == nil)
        var checks = FieldChecks()
        #expect(checks.integer("n", .number(1e300), in: 0...10) == nil)
        #expect(checks.integer("m", .string("5"), in: 0...10) == nil)
        #expect(checks.integer("o", nil, in: 0...10, default: 3) == 3)
        #expect(checks.text("s", .string("toolong"), maxBytes: 3) == nil)
        #expect(checks.problems.keys.sorted() == ["m", "n", "s"])
        #expect(throws: CairnError.self) { try checks.finish() }
    }

    @Test func providerOptionsAreTypedPerProviderType() throws {
        #expect(try ProviderOptions.decode(["chunk_delay_ms": 0], type: "offline").chunkDelayMs == 0)
        #expect(try ProviderOptions.decode(["max_tokens": 1024], type: "anthropic").maxTokens == 1024)
        #expect(try ProviderOptions.decode(["include_usage": false, "headers": ["api-key": "k"]], type: "openai")
                == { var o = ProviderOptions(); o.includeUsage = false; o.headers = [.init(name: "api-key", value: "k")]; return o }())
        let refused: [(JSONValue, String, String)] = [
            (["chunk_delay_ms": 1e300], "offline", "options.chunk_delay_ms"),
            (["chunk_delay_ms": -1], "offline", "options.chunk_delay_ms"),
            (["chunk_delay_ms": "x"], "offline", "options.chunk_delay_ms"),
            (["chunk_delay_ms": 1.5], "offline", "options.chunk_delay_ms"),
            (["max_tokens": 1e300], "anthropic", "options.max_tokens"),
            (["max_tokens": 0], "anthropic", "options.max_tokens"),
            (["max_tokens": 5], "openai", "options.max_tokens"),          // not an option of openai
            (["include_usage": "yes"], "openai", "options.include_usage"),
            (["headers": ["bad name": "v"]], "openai", "options.headers"),
            (["headers": ["x": "a\r\nInjected: 1"]], "openai", "options.headers.x"),
            (["headers": "x"], "openai", "options.headers"),
            (["typo": 1], "offline", "options.typo"),
        ]
        for (options, type, field) in refused {
            do {
                _ = try ProviderOptions.decode(options, type: type)
                Issue.record("\(options.jsonText) accepted for \(type)")
            } catch {
                #expect(error.details?[field] != nil, "\(options.jsonText): \(error.details ?? [:])")
            }
        }
        // A record stored by an older version with a bad value loads with the default instead of trapping.
        #expect(ProviderOptions.stored(#"{"chunk_delay_ms":1e300,"max_tokens":-5}"#, type: "offline").chunkDelayMs == 15)
        #expect(ProviderOptions.stored("not json", type: "anthropic").maxTokens == 4096)
    }

    @Test func vendorNumbersAreBounded() throws {
        #expect(ProviderWire.tokens(.number(1e300)) == 0)
        #expect(ProviderWire.tokens(.number(-3)) == 0)
        #expect(ProviderWire.tokens(.number(12)) == 12)
        #expect(throws: ProviderError.self) { try ProviderWire.index(.number(1e19), default: 0) }
        #expect(throws: ProviderError.self) { try ProviderWire.index(.number(-1), default: 0) }
        #expect(try ProviderWire.index(nil, default: 4) == 4)
        for header in ["1e300", "nan", "inf", "-5", "99999999999999999999"] {
            let wait = ProviderError.retryAfter(header) ?? 0
            #expect(wait >= 0 && wait <= 86_400, "\(header)")
        }
        // The anthropic decoder survives a hostile stream.
        var decoder = AnthropicStreamDecoder()
        #expect(throws: ProviderError.self) {
            _ = try decoder.decode(ServerSentEvent(event: nil, data: #"{"type":"content_block_start","index":1e300,"content_block":{"type":"tool_use"}}"#))
        }
        _ = try decoder.decode(ServerSentEvent(event: nil, data: #"{"type":"message_start","message":{"usage":{"input_tokens":1e300}}}"#))
    }

    /// The linear scanner finds what the old regular expression found, on random arithmetic-ish text.
    @Test func arithmeticSpanMatchesTheRegularExpressionItReplaced() async throws {
        let regex = try NSRegularExpression(pattern: #"[-+(]*\d[\d\s.()]*[-+*/%^×÷](?:[\d\s.()+\-*/%^×÷])*\d\)*"#)
        let alphabet: [Character] = ["1", "2", "9", " ", ".", "(", ")", "+", "-", "*", "/", "%", "^", "×", "÷", "a", "?", "x", "\n"]
        await propertyCheck(count: 3_000, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            var fuzz = HostileJSON(seed: seed)
            let text = String((0..<fuzz.below(24)).map { _ in fuzz.pick(alphabet) })
            let expected = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
                .flatMap { Range($0.range, in: text) }.map { String(text[$0]).trimmingCharacters(in: .whitespaces) }
            #expect(ArithmeticSpan.first(in: text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func offlineModelWorkIsBoundedAndSaysSo() {
        let long = String(repeating: "1 ", count: 200_000) + "what is 2+2"
        let started = ContinuousClock.now
        let reply = OfflineProvider.reply(to: ProviderRequest(model: nil, messages: [ChatMessage(role: .user, content: long)], tools: [], temperature: nil))
        #expect(ContinuousClock.now - started < .seconds(5))   // not a timing assertion on speed: a guard against a hang
        #expect(reply.text.contains("first \(OfflineProvider.maxAnalysedBytes) bytes"))
        #expect(OfflineProvider.bounded(String(repeating: "é", count: 5_000)).text.utf8.count <= OfflineProvider.maxAnalysedBytes)
    }

    @Test func vendorTextsAreScrubbedOfAddressesAndKeys() {
        let cases = [
            "Incorrect API key provided: sk-proj-abc****WXYZ. You can find your key at https://platform.openai.com/account",
            "connect(descriptor:addr:size:): Connection refused (errno: 111) 10.0.3.7:8443",
            "upstream [fd00::12]:443 reset", "host internal-llm.corp.example:9000 unreachable", "Bearer eyJhbGciOiJFZERTQSJ9.abc.def",
            "key AKIAIOSFODNN7EXAMPLEAKIAIOSFODNN7EXAMPLE rejected", "at localhost:11434",
        ]
        for text in cases {
            let scrubbed = Redaction.scrub(text)
            for secret in ["sk-proj", "WXYZ", "openai.com", "10.0.3.7", "fd00", "corp.example", "eyJhbG", "AKIAIOSFODNN7", "11434"] {
                #expect(!scrubbed.contains(secret), "\(scrubbed)")
            }
        }
        #expect(Redaction.scrub("the model is overloaded, retry in 3 s") == "the model is overloaded, retry in 3 s")
        #expect(ProviderError.http(status: 401, message: "Incorrect API key provided: sk-abc****1234", retryAfter: nil).description
                == "HTTP 401: Incorrect API key provided: [key]")
    }

    @Test func failedSignInsAreAnsweredLaterAndLater() {
        #expect(LoginThrottle.delay(afterFailures: 1) == .zero)
        #expect(LoginThrottle.delay(afterFailures: 3) == .milliseconds(250))
        #expect(LoginThrottle.delay(afterFailures: 5) == .milliseconds(1_000))
        #expect(LoginThrottle.delay(afterFailures: 500) == .milliseconds(4_000))
    }

    /// The class stays closed: no JSON number becomes an integer by a trapping conversion, and
    /// no WebSocket server uses permessage-deflate without the frame-limited wrapper.
    @Test func noTrappingConversionOfClientNumbersInTheSources() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        let trapping = try NSRegularExpression(pattern: #"\b(?:U?Int(?:8|16|32|64)?|Duration\.\w+)\((?!exactly:)[^)\n]*numberValue"#)
        var offenders: [String] = []
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)! where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                if trapping.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil {
                    offenders.append("\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
                if line.contains(".perMessageDeflate("), file.lastPathComponent != "BoundedDeflate.swift" {
                    offenders.append("\(file.lastPathComponent):\(number + 1): permessage-deflate without BoundedDeflate")
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
