import CairnCore
import Foundation
import Testing

@Suite("Typed identifiers")
struct IdentifierTests {
    @Test func generatedIdsHaveThePrefixAndShape() {
        let id = UserID.generate()
        #expect(id.rawValue.hasPrefix("usr_"))
        #expect(id.rawValue.count == 4 + 26)
        #expect(UserID(id.rawValue) == id)
        #expect(SessionID.generate().rawValue.hasPrefix("ses_"))
        #expect(RunID.generate().rawValue.hasPrefix("run_"))
    }

    @Test func idsAreUniqueAndOrderedEvenWithinOneMillisecond() {
        let now = Date()
        let ids = (0..<5000).map { _ in ThreadID.generate(now: now) }
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        let later = ThreadID.generate(now: now.addingTimeInterval(1))
        #expect(ids.last! < later)
    }

    @Test func concurrentGenerationStaysUnique() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).map { _ in MessageID.generate().rawValue } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 4000)
    }

    @Test(arguments: [
        "", "usr_", "usr", "ses_01M87RTJESEB4V50F7EB8KCD6N", "usr_01M87RTJESEB4V50F7EB8KCD6", "usr_01M87RTJESEB4V50F7EB8KCD6NX",
        "usr_01M87RTJESEB4V50F7EB8KCD6U", "usr_81M87RTJESEB4V50F7EB8KCD6N", "USR_01M87RTJESEB4V50F7EB8KCD6N",
        "usr-01M87RTJESEB4V50F7EB8KCD6N", "usr_01m87rtjeseb4v50f7eb8kcd6n", "usr_01M87RTJESEB4V50F7EB8KCD6N ",
        "usr_01M87RTJESEB4V50F7EB8KC'--", "usr_01M87RTJESEB4V50F7EB8KCD6Ñ",
    ])
    func malformedIdsAreRejected(candidate: String) {
        #expect(UserID(candidate) == nil)
    }

    @Test func decodingRejectsWrongKind() throws {
        let session = SessionID.generate()
        let json = Data("\"\(session.rawValue)\"".utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(UserID.self, from: json) }
        #expect(try JSONDecoder().decode(SessionID.self, from: json) == session)
    }
}
