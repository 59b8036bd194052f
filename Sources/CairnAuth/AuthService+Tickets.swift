import CairnCore
import CairnStore
import Foundation

extension AuthService {
    /// Issues a single-use ticket (60 s) that authenticates one WebSocket upgrade.
    public func issueWebSocketTicket(for principal: Principal) async throws -> (ticket: String, expiresIn: Int) {
        // Each ticket is a row: limited per user.
        try limit("ticket:user:\(principal.userID.rawValue)", settings.snapshot[.ratelimitWSTicketPerUserPerMinute], 60)
        let ticket = "wst_" + Base64URL.random(bytes: 24)
        let now = clock.now()
        try await tickets.create(
            hash: Self.digest(ticket), userID: principal.userID, sessionID: principal.sessionID, now: now,
            expiresAt: now.addingTimeInterval(60))
        return (ticket, 60)
    }

    /// Redeems a ticket once; the session and user must still be live.
    public func authenticate(ticket: String) async throws -> Principal {
        let invalid = CairnError(.unauthenticated, "invalid, used or expired ticket")
        guard ticket.count < 200, let (userID, sessionID) = try await tickets.redeem(hash: Self.digest(ticket), now: clock.now()) else {
            throw invalid
        }
        guard let state = try await sessions.accessState(userID: userID, sessionID: sessionID, jti: "", now: clock.now()),
            state.userActive, state.sessionLive
        else { throw invalid }
        return Principal(userID: userID, sessionID: sessionID, role: state.role, authMethod: .accessToken)
    }

    /// Whether each principal's user is still active, its session live and its token not revoked,
    /// in one database read; a failed read counts as invalid.
    public func areStillValid(_ principals: [Principal]) async -> [Bool] {
        let now = clock.now()
        // Keys and sessions are checked apart, each in one read, and answered in order.
        let keyIDs = principals.compactMap(\.apiKeyID)
        let sessionPrincipals = principals.filter { $0.apiKeyID == nil }
        let credentials = sessionPrincipals.map { (userID: $0.userID, sessionID: $0.sessionID, jti: $0.tokenID ?? "") }
        guard let states = try? await sessions.accessStates(credentials, now: now),
            let keys = keyIDs.isEmpty ? [] : try? await apiKeys.stillValid(keyIDs, now: now)
        else {
            return principals.map { _ in false }
        }
        var sessionAnswers = states.map { state in state.map { $0.userActive && $0.sessionLive && !$0.tokenRevoked } ?? false }.makeIterator()
        var keyAnswers = keys.makeIterator()
        return principals.map { ($0.apiKeyID == nil ? sessionAnswers.next() : keyAnswers.next()) ?? false }
    }
}
