@testable import CairnCore
@testable import CairnServer
import Foundation
import Testing

@Suite("Configuration cascade")
struct ConfigurationTests {
    func tempFile(_ name: String, _ contents: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everySettingIsDocumentedInTheReadmeWithItsDefault() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let rows = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("| ") }
        // Both ways: every row of the settings table is a setting, once, with the right runtime mark.
        let settingRows = rows.filter { $0.range(of: #"^\| [a-z_]+\.[a-z_.]+ \|"#, options: .regularExpression) != nil }
        let documented = settingRows.map { String($0.split(separator: "|")[0].trimmingCharacters(in: .whitespaces)) }
        #expect(documented.count == Set(documented).count, "a setting has two rows: \(documented.sorted())")
        #expect(Set(documented) == Set(SettingsCatalog.all.map(\.key)), "rows that are not settings: \(Set(documented).subtracting(SettingsCatalog.all.map(\.key)))")
        for setting in SettingsCatalog.all {
            let row = rows.first { $0.hasPrefix("| \(setting.key) |") }
            #expect(row != nil, "README lacks \(setting.key)")
            let runtime = row?.split(separator: "|", omittingEmptySubsequences: false).dropFirst(3).first?.trimmingCharacters(in: .whitespaces)
            #expect((runtime == "yes") == setting.runtime, "README's runtime column for \(setting.key) says '\(runtime ?? "")'")
            let shown = row?.split(separator: "|").dropFirst().first?.trimmingCharacters(in: .whitespaces)
            if let shown, shown != "(empty)" {
                #expect(shown == setting.defaultValue, "README shows \(setting.key) = \(shown), the default is \(setting.defaultValue)")
            }
        }
    }

    @Test func defaultsApplyWhenNothingIsSet() throws {
        let settings = try ConfigurationLoader.load(ConfigurationSources())
        #expect(settings.values["server.port"] == EffectiveSetting(value: "8080", source: .default, origin: "built-in"))
        #expect(settings[.serverHost] == "127.0.0.1")
        #expect(settings[.dataDir] == "./cairn-data")
    }

    @Test func everyLayerOverridesTheOneBelow() throws {
        let json = try tempFile("c.json", #"{"server": {"port": 1001, "host": "0.0.0.0"}, "auth": {"registration": "closed", "bcrypt_cost": 10}, "log": {"level": "debug"}}"#)
        var sources = ConfigurationSources(configFile: json)
        var settings = try ConfigurationLoader.load(sources)
        #expect(settings.values["server.port"]?.value == "1001")
        #expect(settings.values["server.port"]?.source == .file)
        #expect(settings.values["server.port"]?.origin == json)

        sources.environment = ["CAIRN_SERVER_PORT": "1002", "CAIRN_AUTH_REGISTRATION": "approval", "UNRELATED": "x"]
        settings = try ConfigurationLoader.load(sources)
        #expect(settings.values["server.port"] == EffectiveSetting(value: "1002", source: .env, origin: "CAIRN_SERVER_PORT"))
        #expect(settings.values["server.host"]?.source == .file)

        sources.flags = ["server.port": "1003"]
        settings = try ConfigurationLoader.load(sources)
        #expect(settings.values["server.port"]?.value == "1003")
        #expect(settings.values["server.port"]?.source == .flag)
        #expect(settings.values["auth.registration"]?.value == "approval")

        sources.runtime = ["auth.registration": "open", "server.port": "1004"]
        settings = try ConfigurationLoader.load(sources)
        #expect(settings.values["auth.registration"] == EffectiveSetting(value: "open", source: .runtime, origin: "database"))
        // server.port is not runtime-editable: a stored value never wins.
        #expect(settings.values["server.port"]?.value == "1003")
        #expect(settings.values["log.level"]?.source == .file)
        #expect(settings[.authBcryptCost] == 10)
    }

    @Test func yamlFilesAreRead() throws {
        let yaml = try tempFile("c.yaml", "server:\n  port: 2001\nlog:\n  format: json\n")
        let settings = try ConfigurationLoader.load(ConfigurationSources(configFile: yaml))
        #expect(settings[.serverPort] == 2001)
        #expect(settings[.logFormat] == "json")
        #expect(settings.values["log.format"]?.source == .file)
    }

    @Test func secretsAreMasked() throws {
        var settings = try ConfigurationLoader.load(ConfigurationSources(environment: ["CAIRN_METRICS_TOKEN": "hunter2-secret"]))
        #expect(settings.masked("metrics.token") == "********")
        #expect(settings[.metricsToken] == "hunter2-secret")
        #expect(settings.masked("server.host") == "127.0.0.1")
        settings = try ConfigurationLoader.load(ConfigurationSources())
        #expect(settings.masked("metrics.token") == "")
    }

    @Test(arguments: [
        (["CAIRN_SERVER_PORT": "99999"], "server.port", "env (CAIRN_SERVER_PORT)"),
        (["CAIRN_SERVER_PORT": "eighty"], "server.port", "env (CAIRN_SERVER_PORT)"),
        (["CAIRN_LOG_LEVEL": "loud"], "log.level", "env (CAIRN_LOG_LEVEL)"),
        (["CAIRN_AUTH_REGISTRATION": "sometimes"], "auth.registration", "env (CAIRN_AUTH_REGISTRATION)"),
    ])
    func invalidValuesNameKeyAndSource(environment: [String: String], key: String, source: String) {
        do {
            _ = try ConfigurationLoader.load(ConfigurationSources(environment: environment))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("invalid configuration: \(key) = "))
            #expect(error.description.contains("from \(source)"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func invalidFlagAndUnreadableFile() throws {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(ConfigurationSources(flags: ["server.port": "-1"]))
        }
        do {
            _ = try ConfigurationLoader.load(ConfigurationSources(configFile: "/definitely/not/here.json"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("cannot read config file /definitely/not/here.json"))
        }
        let broken = try tempFile("broken.json", "{ not json")
        do {
            _ = try ConfigurationLoader.load(ConfigurationSources(configFile: broken))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("not valid JSON or YAML"))
            #expect(error.description.hasSuffix("line 1, column 3: invalid value"), "\(error.description)")
        }
        let unfinished = try tempFile("unfinished.json", "{\n  \"server\": {\"port\": 80,}\n")
        do {
            _ = try ConfigurationLoader.load(ConfigurationSources(configFile: unfinished))
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("NSCocoaErrorDomain"), "\(error.description)")
            #expect(error.description.contains("line "), "\(error.description)")
        }
    }

    @Test func configurationsBuiltSideBySideAreIsolated() async throws {
        let a = try ConfigurationLoader.load(ConfigurationSources(environment: ["CAIRN_SERVER_PORT": "3001"]))
        let b = try ConfigurationLoader.load(ConfigurationSources(environment: ["CAIRN_SERVER_PORT": "3002"]))
        #expect(a[.serverPort] == 3001)
        #expect(b[.serverPort] == 3002)
        // Many concurrent tasks each build and read their own configuration.
        let results = await withTaskGroup(of: (Int, Int).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let port = 4000 + index
                    let settings = try? ConfigurationLoader.load(ConfigurationSources(environment: ["CAIRN_SERVER_PORT": String(port)]))
                    return (port, settings?[.serverPort] ?? -1)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0.0 == $0.1 })
        // The process environment is never consulted by the loader.
        #expect(try ConfigurationLoader.load(ConfigurationSources())[.serverPort] == 8080)
    }

    @Test func settingKindsCanonicalise() {
        #expect(SettingKind.integer(1...10).validate(" 7 ") == .success("7"))
        #expect(SettingKind.choice(["a", "b"]).validate("B") == .success("b"))
        #expect(SettingKind.boolean.validate("yes") == .success("true"))
        #expect(SettingKind.boolean.validate("maybe") == .failure(SettingProblem("must be true or false")))
        #expect(SettingsCatalog.byKey["server.port"]?.environmentName == "CAIRN_SERVER_PORT")
        #expect(SettingsCatalog.byKey["auth.access_ttl_seconds"]?.environmentName == "CAIRN_AUTH_ACCESS_TTL_SECONDS")
    }
}

@Suite("Runtime settings and quotas")
struct RuntimeSettingsTests {
    func file(_ name: String, _ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-cfg-\(UUID().uuidString)-\(name)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anUnknownKeyInAConfigFileStopsStartUpWithOneLine() throws {
        for (name, contents, key) in [("typo.yaml", "server:\n  prot: 9000\n", "server.prot"), ("typo.json", #"{"auth": {"registration": "open", "registraton": "closed"}}"#, "auth.registraton"),
                                      ("flat.yaml", "server.port: 9000\nfoo: 1\n", "foo")] {
            let path = try file(name, contents)
            do {
                _ = try ConfigurationLoader.load(ConfigurationSources(configFile: path))
                Issue.record("\(name) should be refused")
            } catch {
                #expect(error.description == "invalid configuration: \(key) in config file \(path): unknown setting")
            }
        }
        // Known keys, nested or dotted, load.
        let good = try file("good.yaml", "server:\n  port: 9001\nauth.registration: closed\n")
        let settings = try ConfigurationLoader.load(ConfigurationSources(configFile: good))
        #expect(settings[.serverPort] == 9001 && settings[.authRegistration] == "closed")
    }

    @Test func aRuntimeLayerOverridesTheStaticOnesAndDroppingItFallsBack() throws {
        let base = try ConfigurationLoader.load(ConfigurationSources(flags: ["runs.max_per_user": "4"]))
        let raised = try base.withRuntime(["runs.max_per_user": "7", "server.port": "1"])
        #expect(raised[.runsMaxPerUser] == 7 && raised.values["runs.max_per_user"]?.source == .runtime)
        #expect(raised[.serverPort] == 8080, "a key that is not runtime-editable ignores the runtime layer")
        let dropped = try raised.withRuntime([:])
        #expect(dropped[.runsMaxPerUser] == 4 && dropped.values["runs.max_per_user"]?.source == .flag)
        #expect(throws: InvalidSetting.self) { try base.withRuntime(["runs.max_per_user": "0"]) }
    }

    @Test func quotaRefusalsNameTheLimitAndTheUTCReset() throws {
        let now = try #require(Timestamp.parse("2026-12-31T23:30:00.000Z"))
        let limits = QuotaLimits(runsPerDay: 3, tokensPerDay: 0, tokensPerMonth: 1000)
        #expect(limits.refusal(for: QuotaUsage(runsToday: 2, tokensToday: 999_999, tokensMonth: 999), now: now) == nil, "0 is unlimited")
        let runs = try #require(limits.refusal(for: QuotaUsage(runsToday: 3), now: now))
        #expect(runs.code == .quotaExceeded && runs.details?["limit"] == "runs_per_day" && runs.details?["resets_at"] == "2027-01-01T00:00:00.000Z")
        #expect(runs.retryAfter == 1800)
        let month = try #require(limits.refusal(for: QuotaUsage(tokensMonth: 1000), now: now))
        #expect(month.details?["limit"] == "tokens_per_month" && month.details?["resets_at"] == "2027-01-01T00:00:00.000Z")
        let mid = try #require(Timestamp.parse("2026-02-10T05:00:00.000Z"))
        #expect(QuotaPeriods(now: mid).nextMonth == Timestamp.parse("2026-03-01T00:00:00.000Z"))
        #expect(QuotaPeriods(now: mid).dayStart == Timestamp.parse("2026-02-10T00:00:00.000Z"))
        // A user's override wins field by field; nil fields take the default.
        let settings = try ConfigurationLoader.load(ConfigurationSources(flags: ["quotas.runs_per_day": "10", "quotas.tokens_per_month": "50"]))
        let effective = QuotaLimits.effective(override: QuotaLimits(runsPerDay: 2), settings: settings)
        #expect(effective == QuotaLimits(runsPerDay: 2, tokensPerDay: 0, tokensPerMonth: 50))
        #expect(!QuotaLimits.effective(override: nil, settings: try ConfigurationLoader.load(ConfigurationSources())).limitsAnything)
    }
}
