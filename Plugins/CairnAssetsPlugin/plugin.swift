import Foundation
import PackagePlugin

/// Turns every file under Public/ into Swift source so the binary carries its web pages.
@main
struct CairnAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let publicDir = context.package.directoryURL.appending(path: "Public")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        // Every file *and* directory is an input, so additions and removals trigger a rebuild.
        var inputs: [URL] = [publicDir]
        if let walker = FileManager.default.enumerator(at: publicDir, includingPropertiesForKeys: nil) {
            for case let url as URL in walker { inputs.append(url) }
        }
        // The git HEAD (and the ref it points at) so `cairn version` names the commit built.
        let gitDir = context.package.directoryURL.appending(path: ".git")
        let head = gitDir.appending(path: "HEAD")
        if FileManager.default.fileExists(atPath: head.path()) {
            inputs.append(head)
            if let text = try? String(contentsOf: head, encoding: .utf8), text.hasPrefix("ref: ") {
                let ref = gitDir.appending(path: text.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines))
                if FileManager.default.fileExists(atPath: ref.path()) { inputs.append(ref) }
            }
        }
        return [
            .buildCommand(
                displayName: "Embedding Public/ into CairnAssets",
                executable: try context.tool(named: "CairnAssetGen").url,
                arguments: [publicDir.path(), output.path(), gitDir.path()],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
