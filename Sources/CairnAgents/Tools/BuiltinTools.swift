import CairnCore
import CairnStore
import Foundation

/// The tools every deployment has (`http_get` refuses to run until an admin enables it).
public enum BuiltinTools {
    public static let all: [any Tool] = [CalculatorTool(), CurrentTimeTool(), SearchMessagesTool(), RememberTool(), RecallTool(), HTTPGetTool()]
}
