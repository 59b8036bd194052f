import CairnAuth
import CairnCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Per-request state that travels through middleware to handlers. Identity lives here and only
/// here: nothing global knows who the current user is.
public struct CairnRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Echoed as `X-Request-Id`.
    public var requestID: String = ""
    /// Set by the body-limit middleware from configuration.
    public var maxUploadSize: Int = 1 << 20
    /// The client address as seen on the socket.
    public let clientIP: String?
    /// The connection itself; `/ws` uses it to drop a socket whose close frame cannot be delivered.
    public let channel: any Channel
    /// The authenticated caller, set by `AuthenticationMiddleware` on protected routes.
    public var principal: Principal?
    /// Set when `/ws` accepts an upgrade; see `WebSocketSlot`.
    public var webSocket: WebSocketHandlerReference<CairnRequestContext> { webSocketSlot.reference }
    let webSocketSlot = WebSocketSlot()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
        channel = source.channel
    }

    /// A path parameter (`:id` unless named) as a typed id; a wrong prefix or shape is `not_found`, never a 500.
    public func pathID<Kind: IdentifierKind>(as _: Identifier<Kind>.Type, what: String, parameter: String = "id") throws -> Identifier<Kind> {
        guard let id = parameters.get(parameter).flatMap(Identifier<Kind>.init) else { throw CairnError.notFound(what) }
        return id
    }

    /// The `:name` path parameter, percent-decoded (`provider%3Aopenai` is `provider:openai`).
    public var pathName: String {
        let raw = parameters.get("name") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The principal, or 401 when a route forgot to require authentication.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw CairnError.unauthenticated }
        return principal
    }
}
