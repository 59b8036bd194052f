@testable import CairnCore
import Testing

/// The typed keys (`Setting<Value>`) and the catalogue the README documents name the same
/// settings, with matching value types.
struct SettingCatalogueTests {
    @Test func everyCatalogueRowHasATypedKeyAndEveryTypedKeyARow() {
        let typeNames = Dictionary(uniqueKeysWithValues: SettingsCatalog.all.map { definition -> (String, String) in
            switch definition.kind {
            case .integer: (definition.key, "Int")
            case .boolean: (definition.key, "Bool")
            case .string, .choice: (definition.key, "String")
            }
        })
        #expect(SettingsCatalog.typedKeys == typeNames)
    }

    @Test func typedReadsGiveTheValueInItsType() throws {
        let settings = try EffectiveSettings.resolve(layers: [(source: .flag, values: ["server.port": ("9090", "--port")])])
        #expect(settings[.serverPort] == 9090)
        #expect(settings[.authRegistration] == "open")
        #expect(settings[.toolsHTTPGetEnabled] == false)
        #expect(SettingsCatalog.maximum(.authRefreshTTLSeconds) == 31_536_000)
    }
}
