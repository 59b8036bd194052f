import CairnAuth
import CairnCore
import CairnStore
import Foundation

/// The console's view of the configuration: every setting with its source, and runtime edits
/// that are validated as a whole, stored with their history, audited and applied at once.
///
///     let admin = SettingsAdministration(live: env.settings, repository: SettingsRepository(store.pool), audit: auth.audit, clock: clock)
///     let changed = try await admin.update(["auth.registration": "closed"], by: principal, origin: origin)
struct SettingsAdministration: Sendable {
    let live: LiveSettings
    let repository: SettingsRepository
    let audit: AuditTrail
    let clock: any WallClock

    /// The longest value a string setting accepts over HTTP.
    static let maxStringLength = 4096

    /// Every catalogue key, sorted, as the console shows it.
    func items() -> [JSONValue] {
        let settings = live.snapshot
        return SettingsCatalog.all.sorted { $0.key < $1.key }.map { item($0, settings) }
    }

    func item(_ definition: SettingDefinition, _ settings: EffectiveSettings) -> JSONValue {
        let effective = settings.values[definition.key]
        var object: [String: JSONValue] = [
            "key": .string(definition.key), "section": .string(definition.section),
            "value": .string(settings.masked(definition.key)),
            "default": .string(definition.secret && !definition.defaultValue.isEmpty ? "********" : definition.defaultValue),
            "source": .string((effective?.source ?? .default).rawValue), "origin": .string(effective?.origin ?? "built-in"),
            "editable": .bool(definition.runtime), "restart_required": .bool(!definition.runtime),
            "secret": .bool(definition.secret), "summary": .string(definition.summary),
        ]
        switch definition.kind {
        case .string: object["type"] = "string"
        case .boolean: object["type"] = "boolean"
        case .choice(let options):
            object["type"] = "choice"
            object["options"] = .array(options.map(JSONValue.string))
        case .integer(let range):
            object["type"] = "integer"
            object["min"] = .number(Double(range.lowerBound))
            object["max"] = .number(Double(range.upperBound))
        }
        return .object(object)
    }

    /// Checks every key and value of a PATCH body; nothing is stored unless all are valid.
    /// A `null` value drops the runtime override.
    func validate(_ body: [String: JSONValue]) throws -> [String: String?] {
        guard !body.isEmpty else { throw CairnError.validation(["body": "give at least one setting to change"]) }
        var problems: [String: String] = [:]
        var overrides: [String: String?] = [:]
        for (key, value) in body {
            let name = String(key.prefix(200))
            guard let definition = SettingsCatalog.byKey[key] else {
                problems[name] = "unknown setting"
                continue
            }
            guard definition.runtime else {
                problems[name] = "not editable at runtime: set it in the config file, environment or flags and restart"
                continue
            }
            let raw: String
            switch value {
            case .null:
                overrides[key] = .some(nil)
                continue
            case .string(let text):
                guard text.count <= Self.maxStringLength else {
                    problems[name] = "at most \(Self.maxStringLength) characters"
                    continue
                }
                raw = text
            case .bool(let flag): raw = String(flag)
            case .number(let number):
                guard let integer = Int(exactly: number) else {
                    problems[name] = Self.describe(definition.kind)
                    continue
                }
                raw = String(integer)
            case .array, .object:
                problems[name] = "must be a string, number, boolean or null"
                continue
            }
            switch definition.kind.validate(raw) {
            case .success(let canonical): overrides[key] = .some(canonical)
            case .failure(let problem): problems[name] = problem.reason
            }
        }
        if !problems.isEmpty { throw CairnError.validation(problems) }
        return overrides
    }

    /// Validates, stores with history, audits and applies; returns the changed items.
    func update(_ body: [String: JSONValue], by principal: Principal, origin: RequestOrigin) async throws -> [JSONValue] {
        try await apply(try validate(body), by: principal, origin: origin, revertOf: nil).items
    }

    /// Puts back the runtime override a change replaced, as a new change.
    func revert(_ id: SettingChangeID, by principal: Principal, origin: RequestOrigin) async throws -> SettingChange {
        guard let change = try await repository.change(id) else { throw CairnError.notFound("setting change") }
        guard SettingsCatalog.byKey[change.key]?.runtime == true else {
            throw CairnError.validation([change.key: "not editable at runtime any more"])
        }
        let applied = try await apply([change.key: change.before], by: principal, origin: origin, revertOf: id)
        guard let made = applied.changes.first else { throw CairnError(.internal, "revert recorded nothing") }
        return made
    }

    private func apply(
        _ overrides: [String: String?], by principal: Principal, origin: RequestOrigin,
        revertOf: SettingChangeID?
    ) async throws -> (items: [JSONValue], changes: [SettingChange]) {
        let base = live.snapshot
        let (settings, changes) = try await repository.apply(overrides, by: principal.userID.rawValue, at: clock.now(), revertOf: revertOf) {
            runtime in
            do {
                return try base.withRuntime(runtime)
            } catch let error as InvalidSetting {
                throw CairnError.validation([error.key: error.reason])
            }
        }
        live.replace(with: settings)
        for change in changes {
            let secret = SettingsCatalog.byKey[change.key]?.secret == true
            var details = ["before": secret ? "********" : change.effectiveBefore, "after": secret ? "********" : change.effectiveAfter]
            if let revertOf { details["reverted_from"] = revertOf.rawValue }
            await audit.record("admin.setting_changed", actor: principal.userID.rawValue, target: change.key, origin: origin, details: details)
        }
        let items = changes.compactMap { change in SettingsCatalog.byKey[change.key].map { item($0, settings) } }
        return (items, changes)
    }

    static func describe(_ kind: SettingKind) -> String {
        switch kind {
        case .integer(let range): "must be an integer between \(range.lowerBound) and \(range.upperBound)"
        case .choice(let options): "must be one of \(options.joined(separator: ", "))"
        case .boolean: "must be true or false"
        case .string: "must be a string"
        }
    }
}
