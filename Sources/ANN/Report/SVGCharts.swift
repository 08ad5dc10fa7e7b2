/// A line chart over epochs as inline SVG: axes with ticks and labels, one
/// line with markers per series, a legend, gaps where a value is missing.
struct LineChart {
    struct Series {
        var name: String
        /// A CSS colour.
        var colour: String
        /// One value per x position; nil (or not finite) leaves a gap.
        var values: [Double?]
        /// Dashed line, to tell series apart without relying on colour alone.
        var dashed = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    /// The x position of each value (epoch numbers).
    var xs: [Double]
    var series: [Series]
    /// Digits after the point for value labels in tooltips.
    var valueDecimals = 4
    /// Appended to tick labels and tooltips, e.g. "%".
    var unit = ""
    /// The y axis never goes beyond this range (e.g. 0...100 for percentages).
    var yLimits: ClosedRange<Double>? = nil

    static let width = 560.0, height = 320.0
    static let left = 70.0, right = 20.0, top = 44.0, bottom = 50.0

    func svg() -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let finite = series.flatMap { $0.values.compactMap { $0 }.filter(\.isFinite) }
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">"
        out += "<title>\(HTMLText.escape(title))</title>"
        guard let low = finite.min(), let high = finite.max(), !xs.isEmpty else {
            out += "<text x=\"\(Int(Self.width / 2))\" y=\"\(Int(Self.height / 2))\" text-anchor=\"middle\" class=\"muted\">no values recorded</text></svg>"
            return out
        }

        // y: round numbers around the data, kept inside the limits.
        var (yMin, yMax, yStep) = Axis.niceRange(low: low, high: high, targetTicks: 5)
        if let limits = yLimits {
            yMin = max(yMin, limits.lowerBound)
            yMax = min(yMax, limits.upperBound)
            if yMax <= yMin { (yMin, yMax) = (limits.lowerBound, limits.upperBound) }
        }
        let yDecimals = Axis.decimals(for: yStep)
        // x: whole epochs; a single epoch sits in the middle.
        let xLow = xs.min() ?? 0, xHigh = xs.max() ?? 1
        let (xMin, xMax) = xLow == xHigh ? (xLow - 1, xHigh + 1) : (xLow, xHigh)
        let xStep = Axis.integerStep(span: xHigh - xLow, targetTicks: 10)

        func px(_ x: Double) -> Double { Self.left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight }
        let c = HTMLText.coordinate

        // Grid and y ticks.
        var tick = yMin
        var guardCount = 0
        while tick <= yMax + yStep * 1e-6 && guardCount < 50 {
            let y = py(tick)
            out += "<line class=\"grid\" x1=\"\(c(Self.left))\" y1=\"\(c(y))\" x2=\"\(c(Self.left + plotWidth))\" y2=\"\(c(y))\"/>"
            out += "<text class=\"tick\" x=\"\(c(Self.left - 8))\" y=\"\(c(y + 4))\" text-anchor=\"end\">\(ReportNumber.fixed(tick, decimals: yDecimals))\(HTMLText.escape(unit))</text>"
            tick = yMin + Double(guardCount + 1) * yStep
            guardCount += 1
        }
        // x ticks: the first epoch, then multiples of the step.
        var xTicks = [xLow]
        var multiple = (xLow / xStep).rounded(.down) * xStep + xStep
        while multiple <= xHigh + 1e-9 {
            if multiple - (xTicks.last ?? xLow) >= xStep / 2 { xTicks.append(multiple) }
            multiple += xStep
        }
        for epoch in xTicks {
            let x = px(epoch)
            out += "<line class=\"axis\" x1=\"\(c(x))\" y1=\"\(c(Self.top + plotHeight))\" x2=\"\(c(x))\" y2=\"\(c(Self.top + plotHeight + 5))\"/>"
            out += "<text class=\"tick\" x=\"\(c(x))\" y=\"\(c(Self.top + plotHeight + 19))\" text-anchor=\"middle\">\(ReportNumber.fixed(epoch, decimals: 0))</text>"
        }
        // Axes and their labels.
        out += "<line class=\"axis\" x1=\"\(c(Self.left))\" y1=\"\(c(Self.top))\" x2=\"\(c(Self.left))\" y2=\"\(c(Self.top + plotHeight))\"/>"
        out += "<line class=\"axis\" x1=\"\(c(Self.left))\" y1=\"\(c(Self.top + plotHeight))\" x2=\"\(c(Self.left + plotWidth))\" y2=\"\(c(Self.top + plotHeight))\"/>"
        out += "<text class=\"label\" x=\"\(c(Self.left + plotWidth / 2))\" y=\"\(c(Self.height - 8))\" text-anchor=\"middle\">\(HTMLText.escape(xLabel))</text>"
        out += "<text class=\"label\" transform=\"translate(16 \(c(Self.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTMLText.escape(yLabel))</text>"

        // Lines, markers (with tooltips) and the legend.
        var legendX = Self.left
        for line in series {
            let points: [(Double, Double)?] = zip(xs, line.values).map { x, value in
                guard let value, value.isFinite else { return nil }
                return (x, value)
            }
            guard points.contains(where: { $0 != nil }) else { continue }
            var path = ""
            var penDown = false
            for point in points {
                guard let (x, y) = point else { penDown = false; continue }
                path += "\(penDown ? "L" : "M")\(c(px(x))) \(c(py(min(max(y, yMin), yMax)))) "
                penDown = true
            }
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<path d=\"\(path.dropLast())\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"\(dash)/>"
            for point in points {
                guard let (x, y) = point else { continue }
                out += "<circle cx=\"\(c(px(x)))\" cy=\"\(c(py(min(max(y, yMin), yMax))))\" r=\"3.5\" fill=\"\(line.colour)\"><title>\(HTMLText.escape(line.name)), epoch \(ReportNumber.fixed(x, decimals: 0)): \(ReportNumber.fixed(y, decimals: valueDecimals))\(HTMLText.escape(unit))</title></circle>"
            }
            out += "<line x1=\"\(c(legendX))\" y1=\"18\" x2=\"\(c(legendX + 24))\" y2=\"18\" stroke=\"\(line.colour)\" stroke-width=\"3\"\(dash)/>"
            out += "<circle cx=\"\(c(legendX + 12))\" cy=\"18\" r=\"3.5\" fill=\"\(line.colour)\"/>"
            out += "<text class=\"legend\" x=\"\(c(legendX + 30))\" y=\"22\">\(HTMLText.escape(line.name))</text>"
            legendX += 42 + Double(line.name.count) * 7.5
        }
        out += "</svg>"
        return out
    }
}

/// Tick arithmetic: steps of 1, 2 or 5 × 10ⁿ.
enum Axis {
    /// A range with round ends that holds `low...high`, and its tick step.
    static func niceRange(low: Double, high: Double, targetTicks: Int) -> (Double, Double, Double) {
        var low = low, high = high
        if high - low < max(abs(high), 1) * 1e-9 {
            // One value (or all equal): a small band around it.
            let pad = abs(low) > 0 ? abs(low) * 0.05 : 1
            low -= pad
            high += pad
        }
        let step = niceStep((high - low) / Double(max(targetTicks, 1)))
        return ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step, step)
    }

    /// The smallest 1, 2 or 5 × 10ⁿ at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude > raw { magnitude /= 10 }
        while magnitude * 10 <= raw { magnitude *= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where magnitude * factor >= raw {
            return magnitude * factor
        }
        return magnitude * 10
    }

    /// A whole-number step giving at most `targetTicks` ticks over `span`.
    static func integerStep(span: Double, targetTicks: Int) -> Double {
        max(1, niceStep(span / Double(max(targetTicks, 1))).rounded(.up))
    }

    /// Decimals that show a step exactly (0 for steps of 1 or more).
    static func decimals(for step: Double) -> Int {
        var decimals = 0
        var scaled = step
        while scaled < 0.999_999 && decimals < 9 {
            scaled *= 10
            decimals += 1
        }
        return decimals
    }
}

/// The confusion matrix as a heat map: rows are true classes, columns
/// predicted ones. Correct (diagonal) cells are blue by their share of the
/// row (the class's recall); mistakes are red by their share of the row,
/// scaled so that the most frequent confusion is the darkest red.
struct ConfusionHeatMap {
    var matrix: ConfusionMatrix

    func svg() -> String {
        let classes = matrix.classCount
        let cell = max(12.0, min(46.0, 500.0 / Double(classes)))
        let showNumbers = cell >= 26
        let left = 64.0, top = 56.0
        let size = cell * Double(classes)
        let width = left + size + 20, height = top + size + 16
        let c = HTMLText.coordinate

        let rowTotals = (0..<classes).map { matrix.support(of: $0) }
        func share(_ row: Int, _ column: Int) -> Double {
            rowTotals[row] == 0 ? 0 : Double(matrix[row, column]) / Double(rowTotals[row])
        }
        var worstConfusion = 0.0
        for row in 0..<classes {
            for column in 0..<classes where column != row {
                worstConfusion = max(worstConfusion, share(row, column))
            }
        }

        var out = "<svg class=\"heatmap\" viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"\(c(width))\" height=\"\(c(height))\" role=\"img\" aria-label=\"confusion matrix\">"
        out += "<title>Confusion matrix: rows are true classes, columns predicted classes</title>"
        out += "<text class=\"label\" x=\"\(c(left + size / 2))\" y=\"16\" text-anchor=\"middle\">predicted</text>"
        out += "<text class=\"label\" transform=\"translate(18 \(c(top + size / 2))) rotate(-90)\" text-anchor=\"middle\">true</text>"
        let labelSize = min(13, max(8, cell * 0.45))
        for k in 0..<classes {
            let centre = Double(k) * cell + cell / 2
            if classes <= 40 || k % 5 == 0 {
                out += "<text class=\"tick\" style=\"font-size:\(c(labelSize))px\" x=\"\(c(left + centre))\" y=\"\(c(top - 8))\" text-anchor=\"middle\">\(k)</text>"
                out += "<text class=\"tick\" style=\"font-size:\(c(labelSize))px\" x=\"\(c(left - 8))\" y=\"\(c(top + centre + labelSize * 0.35))\" text-anchor=\"end\">\(k)</text>"
            }
        }
        let digits = Double(String(matrix.counts.max() ?? 0).count)
        let numberSize = min(13, cell * 0.32, cell * 0.85 / (max(digits, 1) * 0.62))
        for row in 0..<classes {
            for column in 0..<classes {
                let count = matrix[row, column]
                let fraction = share(row, column)
                let intensity: Double
                let fill: String
                if row == column {
                    intensity = fraction
                    fill = Self.blend(toward: (31, 95, 168), amount: intensity)
                } else {
                    intensity = worstConfusion > 0 ? fraction / worstConfusion : 0
                    fill = Self.blend(toward: (192, 57, 43), amount: intensity)
                }
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                out += "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(cell))\" height=\"\(c(cell))\" fill=\"\(fill)\" stroke=\"#fff\" stroke-width=\"1\">"
                out += "<title>true \(row), predicted \(column): \(count) (\(HTMLText.percent(fraction, decimals: 1)) of true \(row))</title></rect>"
                if showNumbers {
                    let textColour = intensity > 0.55 ? "#fff" : (count == 0 ? "#c4c4c4" : "#222")
                    out += "<text x=\"\(c(x + cell / 2))\" y=\"\(c(y + cell / 2 + numberSize * 0.36))\" text-anchor=\"middle\" style=\"font-size:\(c(numberSize))px;fill:\(textColour)\">\(count)</text>"
                }
            }
        }
        out += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(size))\" height=\"\(c(size))\" fill=\"none\" stroke=\"#888\"/>"
        out += "</svg>"
        return out
    }

    /// White mixed with `colour` by `amount` in 0...1, as `rgb(…)`.
    static func blend(toward colour: (Int, Int, Int), amount: Double) -> String {
        let t = amount.isFinite ? min(max(amount, 0), 1) : 0
        func mix(_ channel: Int) -> Int { Int((255 + (Double(channel) - 255) * t).rounded()) }
        return "rgb(\(mix(colour.0)),\(mix(colour.1)),\(mix(colour.2)))"
    }
}
