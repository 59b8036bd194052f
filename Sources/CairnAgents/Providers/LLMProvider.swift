import CairnCore

/// One message of a model conversation.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant, tool }
    public var role: Role
    public var content: String
    /// For assistant messages that asked for tools.
    public var toolCalls: [ToolCall]
    /// For tool messages: which call this answers.
    public var toolCallID: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A tool invocation requested by a model. `arguments` is the raw JSON text the model produced.
public struct ToolCall: Sendable, Equatable {
    public let id: String
    public let name: String
    public let arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What a model is told about a tool.
public struct ToolSpec: Sendable, Equatable {
    public let name: String
    public let description: String
    public let parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

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

/// A piece of a streamed model answer.
public enum ProviderChunk: Sendable, Equatable {
    case text(String)
    case toolCall(ToolCall)
    case usage(input: Int, output: Int)
}

/// A language model behind a streaming interface. Implementations must stop promptly when the
/// consuming task is cancelled.
public protocol LLMProvider: Sendable {
    /// The configured instance's name (`openai`, `local-llama`, ...).
    var name: String { get }
    /// The model used when a request names none.
    var defaultModel: String { get }
    func stream(_ request: ProviderRequest) -> AsyncThrowingStream<ProviderChunk, any Error>
}
