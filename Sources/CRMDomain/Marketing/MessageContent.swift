// Template text, merge fields, SMS rules (MKT-06) and audience segment fields (MKT-05, MKT-07).

/// Placeholders in template text: `{{name}}` (spaces inside the braces allowed), names `[A-Za-z_][A-Za-z0-9_]*`.
public enum MessageTemplateText {
    /// The placeholder names in `text` in order of appearance (repeats kept), and the malformed ones: a `{{` with
    /// no closing `}}`, or braces around something that is not a name.
    public static func placeholders(in text: String) -> (names: [String], malformed: [String]) {
        var names: [String] = []
        var malformed: [String] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else {
                malformed.append(String(rest[open.lowerBound...].prefix(20)))
                break
            }
            let inner = after[..<close.lowerBound].trimmingWhitespaceSubstring()
            if isName(inner) {
                names.append(String(inner))
            } else {
                malformed.append("{{\(after[..<close.lowerBound])}}")
            }
            rest = after[close.upperBound...]
        }
        return (names, malformed)
    }

    /// Fills the placeholders of `text` from `values` (by placeholder name), leaving unknown ones as they are.
    public static func render(_ text: String, values: [String: String]) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.firstRange(of: "}}") else { break }
            let inner = String(after[..<close.lowerBound].trimmingWhitespaceSubstring())
            out += rest[..<open.lowerBound]
            out += values[inner] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = after[close.upperBound...]
        }
        return out + rest
    }

    static func isName(_ s: Substring) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

/// The merge fields a template variable may be filled from (MKT-06 "all placeholders resolvable").
public enum MessageMergeFields {
    public static let known: Set<String> = [
        "recipient.address", "customer.name", "customer.level", "contact.name", "contact.title", "member.name",
        "member.pointsBalance", "member.expiringPoints", "member.tierName", "member.cardNo", "campaign.name",
        "store.name", "coupon.code", "coupon.validUntil", "unsubscribe.url",
    ]
}

/// SMS rules (proposal, after the Chinese carriers' rules for marketing SMS): no subject; a signature in
/// `【…】` at the start or the end of the body; at most ``maxLength`` characters of template text.
public enum SmsRules {
    /// Carriers split long SMS into 67-character parts and cap a message at a few parts; 500 characters of
    /// template text (placeholders counted as written) keeps a rendered message inside that cap.
    public static let maxLength = 500

    /// True when `body` starts or ends with a non-empty `【signature】`.
    public static func hasSignature(_ body: String) -> Bool {
        let t = body.trimmingWhitespace()
        if t.hasPrefix("【"), let close = t.firstIndex(of: "】"), t.distance(from: t.startIndex, to: close) > 1 {
            return true
        }
        if t.hasSuffix("】"), let open = t.lastIndex(of: "【"), t.distance(from: open, to: t.endIndex) > 2 { return true }
        return false
    }
}

/// The fields audience segment criteria may name (MKT-05 "criteria fields exist"), with the value type that
/// decides which operators and values are valid. Segments after Open Loyalty's criteria [OL-seg].
public enum AudienceSegmentFields {
    public enum ValueType: String, Hashable, Sendable { case text, integer, boolean, id }

    public static let fields: [String: ValueType] = [
        "customer.level": .text, "customer.industry": .text, "customer.source": .text, "customer.dealt": .boolean,
        "customer.ownerId": .id, "member.programId": .id, "member.tierId": .id, "member.storeId": .id,
        "member.pointsBalance": .integer, "member.daysSinceEnrolment": .integer,
        "member.daysSinceLastPurchase": .integer, "member.transactionCount": .integer,
        "member.averageTransactionAmountMinor": .integer, "member.daysToAnniversary": .integer,
        "member.daysToBirthday": .integer, "purchase.sku": .text, "purchase.label": .text,
    ]

    /// The operators valid for a value type.
    public static func operators(for type: ValueType) -> Set<FieldCriterion.Op> {
        switch type {
        case .text: [.equals, .notEquals, .contains]
        case .integer: [.equals, .notEquals, .greaterThan, .lessThan]
        case .boolean, .id: [.equals, .notEquals]
        }
    }

    /// Checks every criterion: the field exists, the operator fits its type, the value parses. `rule` prefixes
    /// the rejection rules (`<rule>.criteriaFieldExists`, `.criteriaOperator`, `.criteriaValue`).
    public static func validate(_ criteria: [FieldCriterion], rule: String) throws(Rejection) {
        for c in criteria {
            guard let type = fields[c.field] else {
                throw .violated(
                    "\(rule).criteriaFieldExists",
                    "segment field '\(c.field)' does not exist; "
                        + "use one of \(fields.keys.sorted().joined(separator: ", "))",
                    ["field": c.field]
                )
            }
            guard operators(for: type).contains(c.op) else {
                throw .invalidInput(
                    "\(rule).criteriaOperator",
                    field: c.field,
                    "operator '\(c.op.rawValue)' does not apply to a \(type.rawValue) field"
                )
            }
            let ok: Bool
            switch type {
            case .text: ok = !c.value.trimmingWhitespace().isEmpty
            case .integer: ok = Int64(c.value) != nil
            case .boolean: ok = c.value == "true" || c.value == "false"
            case .id: ok = ID(c.value) != nil
            }
            guard ok else {
                throw .invalidInput(
                    "\(rule).criteriaValue",
                    field: c.field,
                    "'\(c.value)' is not a valid \(type.rawValue)"
                )
            }
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
    fileprivate var isASCIIDigit: Bool { (0x30...0x39).contains(value) }
}

extension Substring {
    fileprivate func trimmingWhitespaceSubstring() -> Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
