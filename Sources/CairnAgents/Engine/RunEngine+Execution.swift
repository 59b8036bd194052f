import CairnCore
import CairnStore
import Foundation
import Logging
import Synchronization

extension RunEngine {
    /// One run from `running` to its single `run_completed`, whatever happens in between.
    func execute(run: RunRecord, definition: AgentDefinition, context: RunContext, emitter: RunEmitter) async {
        let usage = UsageCounter()
        let streamed = StreamedText()
        let config = settings.snapshot
        let now: @Sendable () -> Date = { [clock] in clock.now() }
        let toolContext = ToolContext(run: context, threads: threads, notes: notes, settings: config, breakers: breakers, now: now)
        let caller = ProviderCaller(
            directory: providers, breakers: breakers, emitter: emitter, usage: usage,
            retryBase: .milliseconds(config[.providersRetryBaseMs]),
            maxRetryDelay: .milliseconds(config[.providersRetryMaxDelayMs]), metrics: metrics)
        let runner = AgentRunner(
            registry: agents, caller: caller,
            dispatcher: ToolDispatcher(tools: BuiltinTools.all, timeout: .seconds(config[.toolsTimeoutSeconds])),
            emitter: emitter, toolContext: toolContext, log: log,
            stepTimeout: .seconds(config[.agentsStepTimeoutSeconds]), streamed: streamed)
        var outcome: (status: RunStatus, error: (code: String, message: String)?, output: String?)
        do {
            // A queued run whose slot frees up during shutdown ends interrupted at once, while the
            // database is still open, instead of starting.
            if !accepting.withLock({ $0 }) {
                context.stop.set(.shutdown)
                throw CancellationError()
            }
            try Task.checkCancellation()
            try await log.started(run.id, at: clock.now())
            try await emitter.emit(.runStatus, agent: nil, payload: ["status": "running"])
            let history = try await self.history(of: run)
            var resumeFrom: [Int: (agent: String, status: RunStatus, output: String?)] = [:]
            if let previous = run.resumedFrom { resumeFrom = try await runs.steps(runID: previous) }
            let output = try await runner.run(
                definition, input: run.input, history: history, parent: nil, step: nil, streams: true, resumeFrom: resumeFrom)
            outcome = (.succeeded, nil, output)
        } catch let failure as AgentFailure {
            outcome = (.failed, (failure.code, failure.message), nil)
        } catch {
            switch context.stop.value {
            case .cancelledByUser?: outcome = (.cancelled, ("cancelled", "the run was cancelled"), nil)
            case .timeout?: outcome = (.failed, ("timeout", "the run exceeded its deadline"), nil)
            case .shutdown?: outcome = (.interrupted, ("interrupted", "the server stopped while this run was active"), nil)
            case nil:
                logger.error("run failed", metadata: ["run": .string(run.id.rawValue), "error": "\(error)"])
                outcome = (.failed, ("internal_error", "the run failed unexpectedly"), nil)
            }
        }
        // A stopped run keeps the part of the answer the user already saw.
        let partial = streamed.value.trimmingCharacters(in: .whitespacesAndNewlines)
        let answer = outcome.output ?? (partial.isEmpty ? nil : streamed.value)
        await finish(run: run, emitter: emitter, status: outcome.status, error: outcome.error, output: answer, usage: usage.all)
    }

    /// Writes the closing events, answer and status together (after the run's other events), then
    /// the log publishes the events.
    func finish(
        run: RunRecord, emitter: RunEmitter, status: RunStatus, error: (code: String, message: String)?, output: String?,
        usage calls: [ModelCallUsage]
    ) async {
        let usage = (calls.reduce(0) { $0 + $1.inputTokens }, calls.reduce(0) { $0 + $1.outputTokens })
        let now = clock.now()
        let message = output.map {
            MessageRecord(id: .generate(now: now), threadID: run.threadID, role: .assistant, content: $0, runID: run.id, createdAt: now)
        }
        let closing = emitter.closingEvents(status: status, error: error, messageID: message?.id, usage: usage)
        let outcome = RunOutcome(
            status: status, errorCode: error?.code, errorMessage: error?.message,
            inputTokens: usage.0, outputTokens: usage.1, assistantMessage: message, calls: calls)
        metrics.runFinished(agent: run.agent, status: status.rawValue, duration: now.timeIntervalSince(run.createdAt))
        do {
            try await log.finish(RunFinish(runID: run.id, userID: run.userID, outcome: outcome, closingEvents: closing, at: now))
        } catch {
            // The database refused the final write: the next start closes this run as interrupted.
            logger.error("could not record the end of a run", metadata: ["run": .string(run.id.rawValue), "error": "\(error)"])
        }
    }

    /// Earlier messages of the thread (before this run's own message), for the model's context.
    func history(of run: RunRecord) async throws -> [ChatMessage] {
        let messages = try await threads.recentMessages(threadID: run.threadID, userID: run.userID, limit: 41)
        return messages.filter { $0.runID != run.id }.suffix(40).compactMap { message in
            switch message.role {
            case .user: ChatMessage(role: .user, content: message.content)
            case .assistant: ChatMessage(role: .assistant, content: message.content)
            case .tool: nil
            }
        }
    }

    // MARK: Control

    /// Cancels the user's run; a finished run is a conflict and another user's run is not found.
    public func cancel(runID: RunID, userID: UserID) async throws {
        guard let run = try await runs.run(id: runID, userID: userID) else { throw CairnError.notFound("run") }
        if run.status.isFinal { throw CairnError(.conflict, "the run already ended (\(run.status.rawValue))") }
        let removedFromQueue = scheduler.withLock { $0.removeQueued(runID, user: userID) }
        if removedFromQueue {
            // The queued run's own emitter numbers its closing events after the ones it queued.
            // Without a launcher yet, `start` sees the mark and ends the run itself.
            if let emitter = removeCancelledLauncher(runID)?.emitter {
                await finish(run: run, emitter: emitter, status: .cancelled, error: ("cancelled", "the run was cancelled"), output: nil, usage: [])
            }
            return
        }
        if let running = active.withLock({ $0[runID] }) {
            running.stop.set(.cancelledByUser)
            running.task.cancel()
        } else {
            // Leaving the queue but not yet running: `launch` sees the request and stops it.
            cancelRequests.withLock { _ = $0.insert(runID) }
            if let running = active.withLock({ $0[runID] }) {
                running.stop.set(.cancelledByUser)
                running.task.cancel()
            }
        }
    }

    /// Continues an interrupted or failed pipeline run from its first unfinished step, as a new run.
    public func resume(runID: RunID, userID: UserID, requestID: String?) async throws -> StartedRun {
        guard let old = try await runs.run(id: runID, userID: userID) else { throw CairnError.notFound("run") }
        guard old.status == .interrupted || old.status == .failed else {
            throw CairnError(.conflict, "only interrupted or failed runs can be resumed")
        }
        guard agents.definition(old.agent)?.kind == .pipeline else {
            throw CairnError(.conflict, "only pipeline runs can be resumed")
        }
        return try await start(userID: userID, threadID: old.threadID, input: old.input, agent: old.agent, requestID: requestID, resumedFrom: old.id)
    }

    /// Graceful shutdown: no new runs; running ones end `interrupted` with their closing events.
    public func shutdown() async {
        accepting.withLock { $0 = false }
        // Queued runs launched as slots free up join the active set; they end at once (see `execute`).
        while case let running = active.withLock({ Array($0) }), !running.isEmpty {
            for (_, run) in running {
                run.stop.set(.shutdown)
                run.task.cancel()
            }
            for (_, run) in running { await run.task.value }
            // Finished, whether or not the task removed itself yet.
            active.withLock { active in for (id, _) in running { active.removeValue(forKey: id) } }
        }
    }

    /// Counts for health pages: runs executing and waiting.
    public var load: (running: Int, queued: Int) {
        scheduler.withLock { ($0.runningCount, $0.queuedCount) }
    }
}
