import CairnCore
import CairnStore
import Foundation
import Synchronization

/// The answer text streamed so far, kept so a stopped run still stores what the user saw.
final class StreamedText: Sendable {
    private let text = Mutex("")
    func append(_ delta: String) { text.withLock { $0 += delta } }
    var value: String { text.withLock { $0 } }
}
