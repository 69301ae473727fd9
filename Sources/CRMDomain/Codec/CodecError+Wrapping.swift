// Turning the untyped errors that `Codable` implementations throw into `CodecError`.

extension CodecError {
    /// `error` thrown while decoding a `type`, as a ``CodecError``: codec errors pass through, a `DecodingError`
    /// (for example an unknown enum raw value or a missing JSON field) becomes ``malformed(_:)`` naming the path.
    static func decoding(_ error: any Error, of type: Any.Type) -> CodecError {
        switch error {
        case let error as CodecError: return error
        case let error as DecodingError: return .malformed("\(type): \(describe(error))")
        default: return .malformed("\(type): \(error)")
        }
    }

    /// `error` thrown while encoding a `type`, as a ``CodecError``.
    static func encoding(_ error: any Error, of type: Any.Type) -> CodecError {
        switch error {
        case let error as CodecError: return error
        case let error as EncodingError:
            switch error {
            case .invalidValue(let value, let context):
                return .unsupported(
                    "\(type) at \(jsonPath(context.codingPath)): \(context.debugDescription) (value \(value))"
                )
            @unknown default: return .unsupported("\(type): \(error)")
            }
        default: return .unsupported("\(type): \(error)")
        }
    }
}

/// Runs `body` over the bytes of `bytes`, keeping `body`'s typed error (`withUnsafeBytes` only rethrows untyped).
func withBytes<R>(
    _ bytes: [UInt8],
    _ body: (UnsafeRawBufferPointer) throws(CodecError) -> R
) throws(CodecError) -> R {
    try bytes.withUnsafeBytes { raw in Result { () throws(CodecError) in try body(raw) } }.get()
}

/// One line naming what went wrong and where: `$.roleIds[2]: expected String, ...`.
func describe(_ error: DecodingError) -> String {
    switch error {
    case .typeMismatch(let type, let context):
        return "\(jsonPath(context.codingPath)): expected \(type): \(context.debugDescription)"
    case .valueNotFound(let type, let context):
        return "\(jsonPath(context.codingPath)): expected a \(type) value, found none: \(context.debugDescription)"
    case .keyNotFound(let key, let context):
        return "\(jsonPath(context.codingPath + [key])): required field is missing"
    case .dataCorrupted(let context):
        return "\(jsonPath(context.codingPath)): \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}

/// A coding path in JSON path notation: `$`, `$.match.criteria[0].field`.
func jsonPath(_ path: [any CodingKey]) -> String {
    var out = "$"
    for key in path {
        if let index = key.intValue { out += "[\(index)]" } else { appendPathComponent(key.stringValue, to: &out) }
    }
    return out
}

/// Appends `.name`, or `["odd name"]` when the name is not a plain identifier.
func appendPathComponent(_ name: String, to path: inout String) {
    let plain =
        !name.isEmpty
        && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        } && !(name.utf8.first! >= 0x30 && name.utf8.first! <= 0x39)
    if plain {
        path += "." + name
    } else {
        path += "[" + JSONValue.string(name).rendered() + "]"
    }
}

/// A coding key for array positions in recorded paths.
struct _IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { intValue.map(String.init) ?? "" }

    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
