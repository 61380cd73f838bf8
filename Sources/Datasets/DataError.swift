/// Why a data file could not be used. Every case names the file, so a chapter can print
/// one line that tells the user what to fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case notFound(dataset: String, searched: [String], hint: String)
    case namedFolderMissing(path: String, source: String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason))"
        case .malformed(let path, let reason):
            return "\(path): not a valid data file (\(reason))"
        case .truncated(let path, let expected, let actual):
            return "\(path): truncated: expected \(expected) bytes of data, found \(actual)"
        case .notFound(let dataset, let searched, let hint):
            return "\(dataset) not found; looked in \(searched.joined(separator: ", ")). \(hint)"
        case .namedFolderMissing(let path, let source):
            return "\(source) names \(path), which is not a folder"
        }
    }
}
