import CairnCore
import Foundation
import GRDB

/// A configured model provider instance as stored. `apiKey` never leaves the server unmasked.
public struct ProviderRecord: Sendable, Equatable, StoredRecord {
    public var name: String
    public var type: String
    public var baseURL: String?
    public var apiKey: String?
    public var model: String?
    public var timeoutMs: Int
    public var maxRetries: Int
    /// A JSON object of type-specific options.
    public var options: String
    public var updatedAt: Date
    public var updatedBy: String?

    public init(
        name: String, type: String, baseURL: String?, apiKey: String?, model: String?, timeoutMs: Int, maxRetries: Int,
        options: String, updatedAt: Date, updatedBy: String?
    ) {
        self.name = name
        self.type = type
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.timeoutMs = timeoutMs
        self.maxRetries = maxRetries
        self.options = options
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    public static let databaseTableName = "providers"

    enum CodingKeys: String, CodingKey {
        case name, type, model, options
        case baseURL = "base_url"
        case apiKey = "api_key"
        case timeoutMs = "timeout_ms"
        case maxRetries = "max_retries"
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }
}
