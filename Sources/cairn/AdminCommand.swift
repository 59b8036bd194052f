import ArgumentParser
import CairnAuth
import CairnCore
import CairnServer
import CairnStore
import Foundation
import Logging

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administer accounts and keys directly in the database.",
        subcommands: [Create.self, ResetPassword.self, RotateKeys.self])

    /// Opens the configured database and wires the auth service, for one command.
    static func withAuth<T>(_ options: SettingsOptions, _ body: (AuthService) async throws -> T) async throws -> T {
        let staticSettings = try options.loadOrExit()
        let store = try openStore(staticSettings)
        defer { try? store.close() }
        let settings = try options.loadWithRuntimeOrExit(store)
        var logger = Logger(label: "cairn-admin")
        logger.logLevel = .warning
        let env = try await ServerEnvironment.boot(settings: settings, store: store, logger: logger)
        return try await body(env.auth)
    }

    /// Reads the password from standard input (first line) or prompts without echo.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                printError("no password on standard input")
                throw ExitCode(2)
            }
            return line
        }
        guard let entered = getpass("Password: ") else { throw ExitCode(2) }
        return String(cString: entered)
    }

    static func report(_ error: any Error) -> ExitCode {
        if let error = error as? CairnError {
            let details = error.details.map { $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "; ") }
            printError("\(error.message)\(details.map { ": " + $0 } ?? "")")
        } else {
            printError("\(error)")
        }
        return ExitCode(1)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an administrator account.")
        @OptionGroup var options: SettingsOptions
        @Option(help: "Email address of the new administrator.") var email: String
        @Option(help: "Display name.") var name: String?
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordStdin = false

        func run() async throws {
            let password = try AdminCommand.readPassword(fromStdin: passwordStdin)
            do {
                let user = try await AdminCommand.withAuth(options) { auth in
                    try await auth.createAdmin(email: email, password: password, name: name, origin: .commandLine, actor: "cli")
                }
                print("created administrator \(user.email) (\(user.id))")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw AdminCommand.report(error)
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password and end all of the account's sessions.")
        @OptionGroup var options: SettingsOptions
        @Option(help: "Email address of the account.") var email: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordStdin = false

        func run() async throws {
            let password = try AdminCommand.readPassword(fromStdin: passwordStdin)
            do {
                let user = try await AdminCommand.withAuth(options) { auth in
                    try await auth.resetPassword(email: email, password: password, origin: .commandLine)
                }
                print("password reset for \(user.email); all sessions ended")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw AdminCommand.report(error)
            }
        }
    }

    struct RotateKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rotate-keys", abstract: "Start signing tokens with a new key.")
        @OptionGroup var options: SettingsOptions

        func run() async throws {
            let kid = try await AdminCommand.withAuth(options) { auth in
                try await auth.rotateSigningKey(actor: "cli", origin: .commandLine)
            }
            print("new signing key \(kid); previous keys verify until their tokens expire")
        }
    }
}
