import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/api/auth/*`: registration, login, token refresh, logout, sessions, password, first-run setup.
struct AuthRoutes {
    let auth: AuthService
    let settings: LiveSettings
    /// Quotas shown to the user by `/me` (nil in tests that build the routes alone).
    var quotas: QuotaGuard?

    struct Credentials: Decodable {
        let email: String
        let password: String
        let name: String?
    }
    struct RefreshBody: Decodable { let refreshToken: String? }
    struct PasswordBody: Decodable {
        let currentPassword: String
        let newPassword: String
    }
    struct ResetBody: Decodable {
        let token: String
        let newPassword: String
    }
    struct SetupBody: Decodable {
        let setupToken: String
        let email: String
        let password: String
        let name: String?
    }
    struct PendingBody: Encodable {
        let user: UserBody
        let status = "pending"
    }

    func register(public group: RouterGroup<CairnRequestContext>, protected authed: RouterGroup<CairnRequestContext>) {
        group.post("/register") { request, context in
            let body = try await APIJSON.decode(Credentials.self, from: request, context: context)
            switch try await auth.register(email: body.email, password: body.password, name: body.name, origin: request.origin(context)) {
            case .active(let success):
                return try RefreshCookie(request: request, settings: settings).response(success, status: .created)
            case .pending(let user):
                return try APIJSON.response(PendingBody(user: UserBody(user)), status: .accepted)
            }
        }
        group.post("/password-reset") { request, context in
            let body = try await APIJSON.decode(ResetBody.self, from: request, context: context)
            try await auth.completePasswordReset(token: body.token, newPassword: body.newPassword, origin: request.origin(context))
            return Response(status: .noContent)
        }
        group.post("/login") { request, context in
            let body = try await APIJSON.decode(Credentials.self, from: request, context: context)
            let success = try await auth.login(email: body.email, password: body.password, origin: request.origin(context))
            return try RefreshCookie(request: request, settings: settings).response(success)
        }
        group.post("/refresh") { request, context in
            let body = try await APIJSON.decode(RefreshBody.self, from: request, context: context)
            let delivery = RefreshCookie(request: request, settings: settings)
            do {
                return try delivery.response(try await auth.refresh(try delivery.token(fromBody: body.refreshToken), origin: request.origin(context)))
            } catch let error as CairnError where error.code == .unauthenticated && delivery.wanted {
                // A spent or revoked cookie is useless: the browser drops it with the 401.
                return ErrorResponse.response(for: error, headers: delivery.clearingCookies)
            }
        }
        group.post("/setup") { request, context in
            let body = try await APIJSON.decode(SetupBody.self, from: request, context: context)
            let success = try await auth.completeSetup(
                token: body.setupToken, email: body.email, password: body.password,
                name: body.name, origin: request.origin(context))
            return try RefreshCookie(request: request, settings: settings).response(success, status: .created)
        }

        authed.post("/ws-ticket") { _, context in
            let issued = try await auth.issueWebSocketTicket(for: try context.requirePrincipal())
            return try APIJSON.response(TicketBody(ticket: issued.ticket, expiresIn: issued.expiresIn), status: .created)
        }
        authed.post("/logout") { request, context in
            try await auth.logout(try context.requirePrincipal(), origin: request.origin(context))
            return RefreshCookie(request: request, settings: settings).clearing()
        }
        authed.post("/logout-all") { request, context in
            try await auth.logoutAll(try context.requirePrincipal(), origin: request.origin(context))
            return RefreshCookie(request: request, settings: settings).clearing()
        }
        authed.get("/me") { _, context in
            var body = UserBody(try await auth.currentUser(try context.requirePrincipal()))
            if let quotas {
                let principal = try context.requirePrincipal()
                body.quota = quotas.limits(of: principal.userID)
                body.usage = try await quotas.usage(of: [principal.userID], now: Date())[principal.userID]
            }
            return try APIJSON.response(body)
        }
        authed.get("/sessions") { _, context in
            let principal = try context.requirePrincipal()
            let items = try await auth.liveSessions(of: principal).map { SessionBody($0, current: $0.id == principal.sessionID) }
            return try APIJSON.response(Page(items: items, nextCursor: nil))
        }
        authed.delete("/sessions/:id") { request, context in
            let principal = try context.requirePrincipal()
            let id = try context.pathID(as: SessionID.self, what: "session")
            try await auth.revokeSession(id, by: principal, origin: request.origin(context))
            return Response(status: .noContent)
        }
        authed.post("/password") { request, context in
            let body = try await APIJSON.decode(PasswordBody.self, from: request, context: context)
            try await auth.changePassword(
                try context.requirePrincipal(), current: body.currentPassword, new: body.newPassword,
                origin: request.origin(context))
            return Response(status: .noContent)
        }
    }
}
