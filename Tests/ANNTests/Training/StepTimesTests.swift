import Foundation
import Testing
@testable import ANN

@Suite("Step times")
struct StepTimesTests {
    static func summary(of values: [Double]) -> StepTimeSummary? {
        var copy = values
        return copy.withUnsafeMutableBufferPointer { StepTimeSummary.summarizing($0) }
    }

    @Test("nearest-rank percentiles of 1…100 in any order")
    func percentiles() throws {
        var generator = SeededGenerator(seed: 3)
        let values = (1...100).map(Double.init).shuffled(using: &generator)
        let summary = try #require(Self.summary(of: values))
        #expect(summary == StepTimeSummary(steps: 100, median: 50, p90: 90, p99: 99, max: 100))
    }

    @Test("percentiles match a sorted copy at every length up to 70, with ties")
    func matchesSortedCopy() throws {
        var generator = SeededGenerator(seed: 11)
        for count in 1...70 {
            let values = (0..<count).map { _ in Double(Int.random(in: 0..<20, using: &generator)) }
            let sorted = values.sorted()
            func rank(_ q: Double) -> Double { sorted[max(Int((q * Double(count)).rounded(.up)), 1) - 1] }
            let summary = try #require(Self.summary(of: values))
            #expect(summary == StepTimeSummary(
                steps: count, median: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[count - 1]))
        }
    }

    @Test("one step is every percentile; no steps, no summary")
    func edges() {
        #expect(Self.summary(of: [0.25]) == StepTimeSummary(steps: 1, median: 0.25, p90: 0.25, p99: 0.25, max: 0.25))
        #expect(Self.summary(of: [2, 1]) == StepTimeSummary(steps: 2, median: 1, p90: 2, p99: 2, max: 2))
        #expect(Self.summary(of: []) == nil)
    }

    @Test("durations read as whole µs below 10 ms, else ms")
    func text() {
        #expect(StepTimeSummary.text(seconds: 0.000_345_6) == "346 µs")
        #expect(StepTimeSummary.text(seconds: 0.009_999) == "9999 µs")
        #expect(StepTimeSummary.text(seconds: 0.009_999_6) == "10.0 ms")
        #expect(StepTimeSummary.text(seconds: 0.010_625) == "10.6 ms")
        #expect(StepTimeSummary.text(seconds: .infinity) == "inf s")
    }

    @Test("the timer keeps what fits, and each epoch starts afresh")
    func timer() throws {
        let timer = StepTimer(capacity: 2)
        timer.record(.milliseconds(3))
        timer.record(.microseconds(1500))
        timer.record(.seconds(9))
        timer.recordExchange(.milliseconds(2))
        timer.recordExchange(.milliseconds(1))
        let first = timer.finishEpoch()
        #expect(first.steps == StepTimeSummary(steps: 2, median: 0.0015, p90: 0.003, p99: 0.003, max: 0.003))
        #expect(abs(first.exchangeSeconds - 0.003) < 1e-12)
        let second = timer.finishEpoch()
        #expect(second.steps == nil && second.exchangeSeconds == 0)
    }

    @Test("every epoch of a run reports each of its steps", arguments: [2, 1])
    func trainerReportsSteps(shards: Int) throws {
        let data = clusteredDataset(samples: 400)
        let summary = try TrainerTests.train(threads: 2, epochs: 2, shards: shards)
        let steps = (data.count + 31) / 32
        for epoch in summary.epochs {
            let times = try #require(epoch.stepTimes)
            #expect(times.steps == steps)
            #expect(times.median > 0 && times.median <= times.p90 && times.p90 <= times.p99 && times.p99 <= times.max)
            // One step cannot outlast the epoch it is part of.
            #expect(times.max <= epoch.seconds)
        }
    }

    @Test("a history saved before steps were timed still reads")
    func historyWithoutStepTimes() throws {
        let json = #"[{"epoch":1,"loss":0.5,"seconds":2,"samplesPerSecond":100,"learningRate":0.05}]"#
        let history = try JSONDecoder().decode([EpochReport].self, from: Data(json.utf8))
        #expect(history.count == 1)
        #expect(history[0].stepTimes == nil)
        #expect(history[0].seconds == 2)
    }
}
