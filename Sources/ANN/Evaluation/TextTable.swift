/// A plain-text table whose columns are as wide as their widest cell.
struct TextTable {
    enum Alignment: Sendable { case left, right }

    var header: [String]
    var rows: [[String]]
    /// One per column; missing entries mean right-aligned.
    var alignments: [Alignment] = []
    /// Placed between columns.
    var separator = "  "

    /// The table as lines joined by newlines, with no trailing spaces.
    func render() -> String {
        let allRows = [header] + rows
        let columnCount = allRows.map(\.count).max() ?? 0
        let widths = (0..<columnCount).map { column in
            allRows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        return allRows.map { row in
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let alignment = alignments.indices.contains(column) ? alignments[column] : .right
                return alignment == .left ? cell + padding : padding + cell
            }
            return String(cells.joined(separator: separator).reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }
}

/// Number formatting for reports, independent of locale.
enum ReportNumber {
    /// `value` rounded to `decimals` places, e.g. `fixed(0.98765, decimals: 2)` is "0.99".
    static func fixed(_ value: Double, decimals: Int) -> String {
        let decimals = max(0, min(decimals, 9))
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        // Beyond this a Double no longer holds every integer; fall back to its own text.
        guard value.isFinite, scaled < 1e15 else { return "\(value)" }
        let units = Int(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        let whole = String(units / scale)
        guard decimals > 0 else { return sign + whole }
        let fraction = String(units % scale)
        return sign + whole + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
