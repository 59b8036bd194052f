import Synchronization

/// The current effective settings, replaced whole when an admin edits a runtime setting.
/// Readers always see one consistent snapshot.
public final class LiveSettings: Sendable {
    private let current: Mutex<EffectiveSettings>

    public init(_ settings: EffectiveSettings) {
        current = Mutex(settings)
    }

    public var snapshot: EffectiveSettings { current.withLock { $0 } }

    public func replace(with settings: EffectiveSettings) {
        current.withLock { $0 = settings }
    }
}
