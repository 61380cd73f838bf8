import Foundation
import TensorCore
import Figures

/// A chapter's results as a typed value: the chapter's own `Codable` struct, written with
/// what every results file records about the run (the OpenBLAS core and how it was chosen,
/// the seed, the preset and every setting), and read back by the same type.
///
/// JSON keys are the properties' names in snake case, sorted (a type read back names its
/// properties so that the snake case turns back into them: `testNllNats`, not `testNLLNats`); NaN and the infinities are written as the strings "NaN", "Infinity" and
/// "-Infinity", which JSON has no numbers for.
public struct ResultsRecord<Settings: Codable, Body: Codable>: Codable {
    public var blasCore: String
    public var blasCoreOrigin: String
    /// A seed may use all 64 bits; beyond Int's range it is written as a string.
    public var seed: UInt64
    public var preset: String
    public var chapterSettings: Settings
    public var body: Body

    public init(seed: UInt64, preset: String, settings: Settings, body: Body) {
        blasCore = BLASInfo.core
        blasCoreOrigin = BLASInfo.origin.rawValue
        self.seed = seed
        self.preset = preset
        chapterSettings = settings
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case blasCore, blasCoreOrigin, seed, preset, chapterSettings
    }

    /// The record's keys and the body's keys side by side in one JSON object.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(blasCore, forKey: .blasCore)
        try container.encode(blasCoreOrigin, forKey: .blasCoreOrigin)
        if seed <= UInt64(Int.max) { try container.encode(Int(seed), forKey: .seed) }
        else { try container.encode(String(seed), forKey: .seed) }
        try container.encode(preset, forKey: .preset)
        try container.encode(chapterSettings, forKey: .chapterSettings)
        try body.encode(to: encoder)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        blasCore = try container.decode(String.self, forKey: .blasCore)
        blasCoreOrigin = try container.decode(String.self, forKey: .blasCoreOrigin)
        if let number = try? container.decode(UInt64.self, forKey: .seed) { seed = number }
        else if let seed = UInt64(try container.decode(String.self, forKey: .seed)) { self.seed = seed }
        else { throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "not a seed") }
        preset = try container.decode(String.self, forKey: .preset)
        chapterSettings = try container.decode(Settings.self, forKey: .chapterSettings)
        body = try Body(from: decoder)
    }
}

/// Writes `body` as a chapter's results file at `path`, atomically (see `ResultsRecord`).
public func writeResults<Settings: Codable, Body: Codable>(_ body: Body, settings: Settings, preset: String, seed: UInt64,
                                                         to path: String) throws {
    try writeJSON(ResultsRecord(seed: seed, preset: preset, settings: settings, body: body), to: path)
}

/// Writes `value` as JSON at `path`, atomically, as results files are written: its
/// properties' names in snake case, sorted and indented, NaN and the infinities as strings.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    try writeTextFile(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n", to: path)
}

/// Reads the body of a results file that `writeResults` wrote with the same body type
/// (the run's record around it is not needed, so files of earlier versions read too).
public func readResults<Body: Codable>(_ body: Body.Type, from path: String) throws -> Body {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try decoder.decode(Body.self, from: data)
}
