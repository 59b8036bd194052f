import CairnAgents
import CairnAuth
import CairnCore
import CairnStore
import Foundation
import HTTPTypes
import Hummingbird

/// `POST /api/auth/ws-ticket` answer.
struct TicketBody: Encodable {
    let ticket: String
    let expiresIn: Int
    enum CodingKeys: String, CodingKey {
        case ticket
        case expiresIn = "expires_in"
    }
}
