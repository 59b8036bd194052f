import CairnCore
import CairnStore
import Foundation
import Logging
import Synchronization

/// Starts, schedules, cancels and recovers runs. Per-run state lives in the run's own task and
/// `RunContext`; the only shared maps are keyed by run id and hold no user data.
///
/// The engine owns only the run life cycle. Its collaborators (repositories, the agent and
/// provider directories, the breakers, the run log, the quota guard) are built once by the
/// application and handed in; other parts of the server use them directly, not through the
/// engine.
///
/// ```swift
/// let engine = RunEngine(
///     runs: runs, threads: threads, notes: notes, log: log, agents: agents, providers: providers,
///     breakers: breakers, quotas: quotas, settings: settings, logger: logger)
/// try await engine.prepare()                  // closes runs a crash left open
/// let started = try await engine.start(userID: user, threadID: nil, input: "Hi", agent: nil, requestID: nil)
/// try await engine.cancel(runID: started.run.id, userID: user)
/// await engine.shutdown()                     // running runs end `interrupted`
/// ```
public final class RunEngine: Sendable {
    let agents: AgentRegistry
    /// The run event log: every event is written through it.
    let log: RunLog
    let runs: RunRepository
    let threads: ThreadRepository
    let notes: NoteRepository
    let settings: LiveSettings
    let clock: any WallClock
    let logger: Logger
    let providers: ProviderDirectory
    let breakers: BreakerRegistry
    /// Run and model-call measurements (`/metrics`).
    let metrics: EngineMetrics
    /// Per-user quotas, checked before a run is admitted.
    let quotas: QuotaGuard
    let scheduler: Mutex<SchedulerState>
    let active = Mutex<[RunID: ActiveRun]>([:])
    /// Every run's deadline, watched by one task.
    let deadlines = DeadlineWatch()
    /// Launchers of queued runs, and runs the scheduler admitted before their launcher existed.
    private let launchers = Mutex(Launchers())
    let accepting = Mutex(true)
    /// Cancels that arrived while a run was between the queue and its task; `launch` honours them.
    let cancelRequests = Mutex<Set<RunID>>([])

    /// A run waiting in the scheduler's queue: how to launch it, and its emitter (a cancel
    /// numbers its closing events after the events it already queued).
    struct QueuedRun {
        let launch: @Sendable () -> Void
        let emitter: RunEmitter
    }

    /// Launchers of queued runs; runs the scheduler admitted, or a cancel took out of the queue,
    /// before their launcher existed.
    struct Launchers {
        var pending: [RunID: QueuedRun] = [:]
        var admitted: Set<RunID> = []
        var cancelled: Set<RunID> = []
    }

    struct ActiveRun {
        let task: Task<Void, Never>
        let stop: StopReason
        let userID: UserID
    }

    /// An engine over collaborators the caller built (and loaded: agents, providers, quotas).
    public init(
        runs: RunRepository, threads: ThreadRepository, notes: NoteRepository, log: RunLog, agents: AgentRegistry,
        providers: ProviderDirectory, breakers: BreakerRegistry, quotas: QuotaGuard, settings: LiveSettings,
        clock: any WallClock = SystemClock(), logger: Logger, metrics: EngineMetrics = EngineMetrics()
    ) {
        self.runs = runs
        self.threads = threads
        self.notes = notes
        self.log = log
        self.agents = agents
        self.providers = providers
        self.breakers = breakers
        self.quotas = quotas
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        let snapshot = settings.snapshot
        scheduler = Mutex(
            SchedulerState(
                limits: .init(
                    global: snapshot[.runsMaxConcurrent], perUser: snapshot[.runsMaxPerUser],
                    queuePerUser: snapshot[.runsQueuePerUser])))
    }

    /// Closes runs a crash left open, as `interrupted` (call once at boot, before serving).
    public func prepare() async throws {
        for (run, lastSeq) in try await runs.unfinished() {
            let emitter = RunEmitter(runID: run.id, threadID: run.threadID, userID: run.userID, log: log, clock: clock, lastSeq: lastSeq)
            let (openAgents, openCalls) = try await openWorkAfterCrash(run)
            for agent in openAgents { emitter.reopen(agent) }
            for call in openCalls { emitter.reopen(toolCall: call.callID, tool: call.tool, agent: call.agent) }
            let closing = emitter.closingEvents(
                status: .interrupted, error: ("interrupted", "the server stopped while this run was active"),
                messageID: nil, usage: (run.inputTokens, run.outputTokens))
            try await log.finish(
                RunFinish(
                    runID: run.id, userID: run.userID,
                    outcome: RunOutcome(
                        status: .interrupted, errorCode: "interrupted",
                        errorMessage: "the server stopped while this run was active"),
                    closingEvents: closing, at: clock.now()))
            logger.notice("closed run left open by a previous process", metadata: ["run": .string(run.id.rawValue)])
        }
    }

    /// Agents started but never completed (outermost first) and tool calls never answered, in a
    /// run's stored log.
    func openWorkAfterCrash(_ run: RunRecord) async throws -> (agents: [String], toolCalls: [(agent: String?, tool: String, callID: String)]) {
        var open: [String] = []
        var calls: [(agent: String?, tool: String, callID: String)] = []
        for event in try await runs.events(runID: run.id, userID: run.userID, after: 0) ?? [] {
            switch event.type {
            case .agentStarted: if let agent = event.agent { open.append(agent) }
            case .agentCompleted: if let agent = event.agent, let index = open.lastIndex(of: agent) { open.remove(at: index) }
            case .toolExecuting:
                let payload = event.payload
                if let callID = payload["call_id"]?.stringValue {
                    calls.append((event.agent, payload["tool"]?.stringValue ?? "tool", callID))
                }
            case .toolCompleted: calls.removeAll { $0.callID == event.payload["call_id"]?.stringValue }
            default: break
            }
        }
        return (open, calls)
    }

    // MARK: Starting runs

    /// Validates, stores the user's message and the queued run, then schedules it.
    public func start(
        userID: UserID, threadID: ThreadID?, input: String, agent agentName: String?, requestID: String?,
        resumedFrom: RunID? = nil
    ) async throws -> StartedRun {
        guard accepting.withLock({ $0 }) else { throw CairnError(.unavailable, "the server is shutting down") }
        let config = settings.snapshot
        let trimmed = input.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw CairnError.validation(["input": "must not be empty"]) }
        if input.utf8.count > config[.messagesMaxBytes] {
            throw CairnError.validation(["input": "must be at most \(config[.messagesMaxBytes]) bytes"])
        }
        var thread: ThreadRecord?
        if let threadID {
            guard let found = try await threads.thread(id: threadID, userID: userID) else { throw CairnError.notFound("thread") }
            thread = found
        }
        let name = agentName ?? thread?.agent ?? "assistant"
        guard let definition = agents.definition(name) else { throw CairnError.validation(["agent": "unknown agent '\(name)'"]) }

        let now = clock.now()
        // Over quota: refused before anything is stored or queued.
        try await quotas.check(userID, now: now)
        let runID = RunID.generate(now: now)
        let newThreadID = threadID ?? ThreadID.generate(now: now)
        let admission = scheduler.withLock { state -> SchedulerState.Admission in
            state.limits = Self.limits(config)
            return state.submit(runID, user: userID)
        }
        if admission == .rejected {
            throw CairnError(.rateLimited, "too many runs waiting; try again when one finishes", retryAfter: 5)
        }
        let emitter = RunEmitter(runID: runID, threadID: newThreadID, userID: userID, log: log, clock: clock)
        let messageID = MessageID.generate(now: now)
        let run: RunRecord
        do {
            run = try await log.open(
                NewRun(
                    runID: runID, threadID: newThreadID, userID: userID, agent: name, agentVersion: definition.version ?? 0,
                    input: input, messageID: messageID, resumedFrom: resumedFrom,
                    createThreadTitle: threadID == nil ? trimmed.excerpt(80) : nil),
                openingEvents: [emitter.openingEvent()], now: now)
        } catch {
            releaseSlot(runID: runID, userID: userID, admission: admission)
            throw error
        }
        let stop = StopReason()
        let context = RunContext(
            userID: userID, threadID: newThreadID, runID: runID, requestID: requestID,
            deadline: .now + .seconds(config[.runsTimeoutSeconds]), stop: stop)
        let launch: @Sendable () -> Void = { [self] in self.launch(run: run, definition: definition, context: context, emitter: emitter) }
        switch admission {
        case .start:
            launch()
        case .queued(let position):
            try await emitter.emit(
                .notice, agent: nil,
                payload: [
                    "code": "queued_behind_n", "message": .string("waiting behind \(position - 1) of your runs"),
                    "position": .number(Double(position)),
                ])
            enum Next { case launch, wait, cancelled }
            let next = launchers.withLock { state -> Next in
                if state.admitted.remove(runID) != nil { return .launch }
                if state.cancelled.remove(runID) != nil { return .cancelled }
                state.pending[runID] = QueuedRun(launch: launch, emitter: emitter)
                return .wait
            }
            switch next {
            case .launch: launch()
            case .cancelled:
                // Cancelled out of the queue before its launcher was registered: it ends here.
                await finish(run: run, emitter: emitter, status: .cancelled, error: ("cancelled", "the run was cancelled"), output: nil, usage: [])
            case .wait: break
            }
        case .rejected:
            break
        }
        return StartedRun(run: run, messageID: messageID)
    }

    /// Takes a cancelled run's launcher out; when `start` has not registered it yet, marks the run
    /// so that `start` ends it instead.
    func removeCancelledLauncher(_ runID: RunID) -> QueuedRun? {
        launchers.withLock { state in
            if let queued = state.pending.removeValue(forKey: runID) { return queued }
            state.cancelled.insert(runID)
            return nil
        }
    }

    static func limits(_ config: EffectiveSettings) -> SchedulerState.Limits {
        .init(global: config[.runsMaxConcurrent], perUser: config[.runsMaxPerUser], queuePerUser: config[.runsQueuePerUser])
    }

    private func releaseSlot(runID: RunID, userID: UserID, admission: SchedulerState.Admission) {
        let next = scheduler.withLock { state -> [(RunID, UserID)] in
            if admission == .start { return state.finished(user: userID) }
            _ = state.removeQueued(runID, user: userID)
            return []
        }
        dispatch(next)
    }

    func dispatch(_ started: [(RunID, UserID)]) {
        for (runID, _) in started {
            let launch = launchers.withLock { state -> (@Sendable () -> Void)? in
                if let queued = state.pending.removeValue(forKey: runID) { return queued.launch }
                // Admitted before `start` registered its launcher; `start` will launch it.
                state.admitted.insert(runID)
                return nil
            }
            launch?()
        }
    }

    private func launch(run: RunRecord, definition: AgentDefinition, context: RunContext, emitter: RunEmitter) {
        let deadline = RunDeadline(watch: deadlines)
        // Registered under the lock the task's own removal takes, so a run that ends at once
        // never leaves a stale entry behind.
        let task = active.withLock { active in
            let task = Task { [self] in
                await self.execute(run: run, definition: definition, context: context, emitter: emitter)
                deadline.runEnded()
                self.active.withLock { _ = $0.removeValue(forKey: run.id) }
                let next = self.scheduler.withLock { $0.finished(user: run.userID) }
                self.dispatch(next)
            }
            active[run.id] = ActiveRun(task: task, stop: context.stop, userID: run.userID)
            return task
        }
        if cancelRequests.withLock({ $0.remove(run.id) }) != nil {
            context.stop.set(.cancelledByUser)
            task.cancel()
        }
        // The run deadline: cancels the run's task with reason `timeout`.
        deadline.watch(until: context.deadline) {
            context.stop.set(.timeout)
            task.cancel()
        }
    }
}
