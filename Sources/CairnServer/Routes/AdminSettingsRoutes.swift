import CairnCore
import CairnStore
import Foundation
import Hummingbird

/// `/api/admin/settings`: every setting with its source; runtime edits, their history and revert.
struct AdminSettingsRoutes {
    let settings: SettingsAdministration

    struct ChangeBody: Encodable {
        let id: String, at: Date, actor: String?, actorEmail: String?, key: String
        let before: String?, after: String?, effectiveBefore: String, effectiveAfter: String, revertedFrom: String?
        init(_ change: SettingChange) {
            let secret = SettingsCatalog.byKey[change.key]?.secret == true
            let mask = { (value: String?) in secret ? value.map { $0.isEmpty ? $0 : "********" } : value }
            id = change.id.rawValue
            at = change.at
            actor = change.actor
            actorEmail = change.actorEmail
            key = change.key
            before = mask(change.before)
            after = mask(change.after)
            effectiveBefore = mask(change.effectiveBefore) ?? ""
            effectiveAfter = mask(change.effectiveAfter) ?? ""
            revertedFrom = change.revertedFrom?.rawValue
        }
        enum CodingKeys: String, CodingKey { case id, at, actor, actorEmail, key, before, after, effectiveBefore, effectiveAfter, revertedFrom }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(at, forKey: .at)
            try container.encode(actor, forKey: .actor)
            try container.encode(actorEmail, forKey: .actorEmail)
            try container.encode(key, forKey: .key)
            // null is meaningful here (no runtime override): always present.
            try container.encode(before, forKey: .before)
            try container.encode(after, forKey: .after)
            try container.encode(effectiveBefore, forKey: .effectiveBefore)
            try container.encode(effectiveAfter, forKey: .effectiveAfter)
            try container.encode(revertedFrom, forKey: .revertedFrom)
        }
    }

    func register(on admin: RouterGroup<CairnRequestContext>) {
        admin.get("/settings") { _, _ in
            Self.json(["items": .array(settings.items())])
        }
        admin.patch("/settings") { request, context in
            let body = try await APIJSON.decode(JSONValue.self, from: request, context: context)
            guard let object = body.objectValue else { throw CairnError(.invalidRequest, "request body must be a JSON object of setting: value") }
            let items = try await settings.update(object, by: try context.requirePrincipal(), origin: request.origin(context))
            return Self.json(["items": .array(items)])
        }
        admin.get("/settings/history") { request, _ in
            let page = try Pagination(request)
            let before = try page.cursor.map { cursor -> SettingChangeID in
                guard let id = SettingChangeID(cursor) else { throw CairnError(.invalidRequest, "malformed cursor") }
                return id
            }
            let key = request.uri.queryParameters["key"].map(String.init)
            if let key, SettingsCatalog.byKey[key] == nil { throw CairnError.validation(["key": "unknown setting"]) }
            let changes = try await settings.repository.history(key: key, before: before, limit: page.limit)
            return try APIJSON.response(
                Page(items: changes.map(ChangeBody.init), nextCursor: page.next(after: changes.last?.id.rawValue, count: changes.count)))
        }
        admin.post("/settings/history/:id/revert") { request, context in
            let id = try context.pathID(as: SettingChangeID.self, what: "setting change")
            let change = try await settings.revert(id, by: try context.requirePrincipal(), origin: request.origin(context))
            return try APIJSON.response(ChangeBody(change))
        }
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: .init(string: value.jsonText)))
    }
}
