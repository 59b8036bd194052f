import AsyncHTTPClient
import CairnCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Decodes one vendor's stream events into provider chunks.
protocol StreamDecoder: Sendable {
    init()
    /// The vendor's end-of-answer marker was seen.
    var done: Bool { get }
    mutating func decode(_ event: ServerSentEvent) throws -> [ProviderChunk]
    /// What is left once the events end; throws when the stream was cut before its end.
    mutating func finish() throws -> [ProviderChunk]
}
