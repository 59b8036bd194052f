import CairnCore

/// One model call.
public struct ProviderRequest: Sendable {
    public var model: String?
    public var messages: [ChatMessage]
    public var tools: [ToolSpec]
    public var temperature: Double?
    /// The longest answer wanted (the provider's own default when nil).
    public var maxTokens: Int?

    public init(model: String?, messages: [ChatMessage], tools: [ToolSpec], temperature: Double?, maxTokens: Int? = nil) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}
