import CairnCore
import CairnStore
import Foundation

extension AuthService {
    /// Issues a single-use ticket (60 s) that authenticates one WebSocket upgrade.
    public func issueWebSocketTicket(for principal: Principal) async throws -> (ticket: String, expiresIn: Int) {
        let ticket = "wst_" + Base64URL.random(bytes: 24)
        let now = clock.now()
        try await tickets.create(hash: Self.digest(ticket), userID: principal.userID.rawValue,
                                 sessionID: principal.sessionID?.rawValue, now: now, expiresAt: now.addingTimeInterval(60))
        return (ticket, 60)
    }

    /// Redeems a ticket once; the session and user must still be live.
    public func authenticate(ticket: String) async throws -> Principal {
        let invalid = CairnError(.unauthenticated, "invalid, used or expired ticket")
        guard ticket.count < 200, let redeemed = try await tickets.redeem(hash: Self.digest(ticket), now: clock.now()),
              let userID = UserID(redeemed.userID) else { throw invalid }
        let sessionID = redeemed.sessionID.flatMap(SessionID.init)
        guard let state = try await sessions.accessState(userID: userID, sessionID: sessionID, jti: "", now: clock.now()),
              state.userActive, state.sessionLive, let role = Role(rawValue: state.role) else { throw invalid }
        return Principal(userID: userID, sessionID: sessionID, role: role, authMethod: .accessToken)
    }

    /// Whether a principal authenticated earlier is still allowed (session live, user active,
    /// token not denylisted); live connections re-check this.
    public func isStillValid(_ principal: Principal) async -> Bool {
        guard let state = try? await sessions.accessState(userID: principal.userID, sessionID: principal.sessionID,
                                                          jti: principal.tokenID ?? "", now: clock.now()) else { return false }
        return state.userActive && state.sessionLive && !state.tokenRevoked
    }
}
