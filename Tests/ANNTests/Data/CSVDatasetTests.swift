import Foundation
import Testing

@testable import ANN

@Suite("CSV tables")
struct CSVDatasetTests {
    static let iris = """
        sepal_length,sepal_width,petal_length,petal_width,species
        5.1,3.5,1.4,0.2,setosa
        7.0,3.2,4.7,1.4,versicolor
        6.3,3.3,6.0,2.5,virginica
        4.9,3.0,1.4,0.2,setosa

        """

    @Test("a header, names as labels: classes numbered in sorted order")
    func namedClasses() throws {
        let table = try CSVDataset.parse(Self.iris, source: "iris.csv")
        #expect(table.count == 4)
        #expect(table.featureCount == 4)
        #expect(table.featureNames == ["sepal_length", "sepal_width", "petal_length", "petal_width"])
        #expect(table.classNames == ["setosa", "versicolor", "virginica"])
        #expect(table.labels == [0, 1, 2, 0])
        #expect(table.features[4..<8] == [7.0, 3.2, 4.7, 1.4])
    }

    @Test("the label column by name, by index and by negative index")
    func labelColumn() throws {
        let text = "a,label,b\n1,0,2\n3,1,4\n"
        let byName = try CSVDataset.parse(text, source: "t.csv", options: .init(labelColumn: .name("label")))
        let byIndex = try CSVDataset.parse(text, source: "t.csv", options: .init(labelColumn: .index(1)))
        let fromEnd = try CSVDataset.parse(text, source: "t.csv", options: .init(labelColumn: .index(-2)))
        for table in [byName, byIndex, fromEnd] {
            #expect(table.features == [1, 2, 3, 4])
            #expect(table.labels == [0, 1])
            #expect(table.featureNames == ["a", "b"])
            #expect(table.classNames == nil)
        }
    }

    @Test("no header: found by content, or told; columns named by index")
    func noHeader() throws {
        let text = "1.5,2,0\n-3,4e-1,2\n"
        let found = try CSVDataset.parse(text, source: "t.csv")
        #expect(found.count == 2)
        #expect(found.features == [1.5, 2, -3, 0.4])
        #expect(found.labels == [0, 2])
        #expect(found.featureNames == ["column 0", "column 1"])
        let told = try CSVDataset.parse(text, source: "t.csv", options: .init(header: .present))
        #expect(told.count == 1)
        #expect(told.featureNames == ["1.5", "2"])
    }

    @Test("quotes, CRLF line ends, a byte order mark, spaces, blank lines, semicolons")
    func dialects() throws {
        let text = "\u{FEFF}\"x\";\"y, z\";class\r\n 1 ; \"2\" ;a\r\n\r\n3;4;\"b\"\r\n"
        let table = try CSVDataset.parse(text, source: "t.csv", options: .init(delimiter: ";"))
        #expect(table.featureNames == ["x", "y, z"])
        #expect(table.features == [1, 2, 3, 4])
        #expect(table.classNames == ["a", "b"])
    }

    @Test("numeric class names sort as numbers; whole-number floats are indices")
    func labelForms() throws {
        let names = try CSVDataset.parse("x,y\n1,10\n2,-1\n3,9\n", source: "t.csv")
        #expect(names.classNames == ["-1", "9", "10"])
        #expect(names.labels == [2, 0, 1])
        let indices = try CSVDataset.parse("x,y\n1,1.0\n2,0.0\n", source: "t.csv")
        #expect(indices.classNames == nil)
        #expect(indices.labels == [1, 0])
    }

    @Test("a test file is read with the training file's classes")
    func testFileClasses() throws {
        let test = try CSVDataset.parse(
            "x,y\n1,virginica\n2,setosa\n", source: "test.csv",
            options: .init(labels: .names(["setosa", "versicolor", "virginica"])))
        #expect(test.labels == [2, 0])
        #expect(test.classCount == 3)
    }

    static let faults: [(text: String, options: CSVDataset.Options, message: String)] = [
        ("", .init(), "t.csv: is empty: no header and no rows"),
        ("\n\n", .init(), "t.csv: is empty: no header and no rows"),
        ("a,b,label\n", .init(), "t.csv: has a header but no rows of data"),
        ("a,b,label\n1,2,0\n3,4\n", .init(), "t.csv line 3: has 2 fields, but the header has 3"),
        ("1,2,0\n3,4,5,1\n", .init(), "t.csv line 2: has 4 fields, but the first row has 3"),
        ("a,b,label\n1,2,0\n", .init(labelColumn: .name("species")),
         "t.csv line 1: has no column 'species'; its columns are 'a', 'b', 'label'"),
        ("1,2,0\n", .init(labelColumn: .index(3)), "t.csv line 1: has 3 columns, so there is no label column 3"),
        ("1,2,0\n", .init(labelColumn: .name("label"), header: .absent),
         "t.csv: has no header (as told), so the label column cannot be found by the name 'label'; give its index"),
        ("petal_length,petal_width,species\n1,2,a\n1,2,a\n1,2,a\n1,abc,b\n", .init(),
         "t.csv line 5: column 'petal_width' is not a number: 'abc'"),
        ("a,b,label\n1,,0\n", .init(), "t.csv line 2: column 'b' has no value"),
        ("1,2,0\n1,x,0\n", .init(), "t.csv line 2: column 1 is not a number: 'x'"),
        ("a,b,label\n1,nan,0\n", .init(), "t.csv line 2: column 'b' is not a finite number: 'nan'"),
        ("a,b,label\n1,1e39,0\n", .init(), "t.csv line 2: column 'b' is not a finite number: '1e39'"),
        ("a,b,label\n1,2,\n", .init(), "t.csv line 2: column 'label' has no label"),
        ("label\n0\n", .init(), "t.csv line 1: has 1 column; a label column and at least one feature column are needed"),
        ("a,b,label\n1,2,0\n1,\"2\"x,0\n", .init(),
         "t.csv line 3: broken quoting: 'x' follows a closing quote; a quoted field ends at its quote"),
        ("a,b,label\n1,2,0\n1,2\"5,0\n", .init(),
         "t.csv line 3: broken quoting: a quote inside an unquoted field; quote the whole field"),
        ("a,b,label\n1,2,0\n1,\"2,0\n3,4,1\n", .init(),
         "t.csv line 3: broken quoting: a quoted field opened on this line is never closed"),
        // Float(String) would stop at the NUL and read 1.
        ("a,b,label\r\n1,2,0\r3,1\u{0}5,0\n", .init(), "t.csv line 3: holds a NUL byte: not a text table"),
        ("a;b\n1;0\n", .init(delimiter: "\n"), "t.csv: cannot be split by \"\\n\": a delimiter may not be a quote or a line break"),
        // A quoted field spanning two lines moves the lines after it down.
        ("a,name,label\n1,\"two\nlines\",0\n", .init(labelColumn: .index(-1)),
         "t.csv line 2: column 'name' is not a number: 'two\nlines'"),
        ("a,b,label\n1,\"x\ny\",0\n1,2,0\n1,2,3,4\n", .init(), "t.csv line 2: column 'b' is not a number: 'x\ny'"),
        ("a,label\n1,0\n2,setosa\n", .init(labels: .indices),
         "t.csv line 3: label 'setosa' is not a class index in 0...65535 (the training labels are indices)"),
        ("a,label\n1,setosa\n2,daisy\n", .init(labels: .names(["setosa", "virginica"])),
         "t.csv line 3: label 'daisy' is not one of the training classes (setosa, virginica)"),
        ("a,label\n1,0\n2,70000\n", .init(labels: .indices),
         "t.csv line 3: label '70000' is not a class index in 0...65535 (the training labels are indices)"),
    ]

    @Test("a bad table: one message naming the file and the line", arguments: faults.indices)
    func fault(index: Int) {
        let (text, options, message) = Self.faults[index]
        #expect(throws: DataError.self) { try CSVDataset.parse(text, source: "t.csv", options: options) }
        do {
            _ = try CSVDataset.parse(text, source: "t.csv", options: options)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("doubled quotes, delimiters and line breaks inside quotes; CR line ends; no final line break")
    func quoting() throws {
        let text = "\"say \"\"hi\"\"\",\"a,b\",label\r1, 2 ,\"x\r\ny\"\r3,4,\"z\""
        let table = try CSVDataset.parse(text, source: "t.csv")
        #expect(table.featureNames == ["say \"hi\"", "a,b"])
        #expect(table.features == [1, 2, 3, 4])
        #expect(table.classNames == ["x\r\ny", "z"])
        // The quoted CR LF is a line of its own: "3,4" is on line 4, "5,6" on 5.
        #expect(throws: DataError(file: "t.csv", line: 5, reason: "has 2 fields, but the header has 3")) {
            try CSVDataset.parse(text + "\r5,6", source: "t.csv")
        }
        // A delimiter of more than one byte.
        let wide = try CSVDataset.parse("a→b→label\n1→2→0\n", source: "t.csv", options: .init(delimiter: "→"))
        #expect(wide.features == [1, 2] && wide.featureNames == ["a", "b"])
    }

    /// Fields that are plain decimals are read without a String; every one
    /// must give the bits `Float(String)` gives.
    @Test("feature fields read as Float(String) reads them, bit for bit")
    func numbersAsFloatReadsThem() throws {
        var generator = SeededGenerator(seed: 5)
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(generator.next() % 10)) }) }
        var texts = ["0", "-0", "+1", "1.", ".5", "16777216", "16777217", "0.1", "1e10", "1e-10", "3.4e38", "1e-45",
                     "7e-46", "1e39", "0x1p3", "1e", "--1", "1.2.3", "9999999999", "0.000000001", "123456.7e-3"]
        for _ in 0..<20_000 {
            var text = generator.next() % 4 == 0 ? "-" : ""
            text += digits(Int(generator.next() % 9))
            if generator.next() % 2 == 0 { text += "." + digits(Int(generator.next() % 8)) }
            if generator.next() % 3 == 0 { text += (generator.next() % 2 == 0 ? "e" : "E-") + digits(1 + Int(generator.next() % 2)) }
            texts.append(text)
        }
        var read = 0
        for text in texts {
            let expected = Float(text)
            let csv = "x,label\n\(text),0\n"
            if let expected, expected.isFinite {
                let value = try CSVDataset.parse(csv, source: "t.csv").features[0]
                #expect(value.bitPattern == expected.bitPattern, "\(text)")
                read += 1
            } else {
                #expect(throws: DataError.self, "\(text)") { try CSVDataset.parse(csv, source: "t.csv", options: .init(header: .present)) }
            }
        }
        #expect(read > 10_000)
    }

    @Test("the line after a multi-line quoted field is counted right")
    func lineAfterQuotedBreak() {
        #expect(throws: DataError(file: "t.csv", line: 4, reason: "has 3 fields, but the header has 2")) {
            try CSVDataset.parse("a,label\n\"1\n\",0\n1,0,0\n", source: "t.csv")
        }
    }

    @Test("files: missing, not UTF-8, a folder")
    func files() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: DataError.self) { try CSVDataset.read(at: scratch.file("missing.csv")) }
        let binary = try scratch.writeRaw("bin.csv", [0x61, 0x2C, 0xFF, 0xFE, 0x0A])
        #expect(throws: DataError(file: binary, reason: "is not UTF-8 text")) { try CSVDataset.read(at: binary) }
        #expect(throws: DataError.self) { try CSVDataset.read(at: scratch.path) }
        let good = try scratch.writeRaw("good.csv", Array("x,y\n1,0\n".utf8))
        #expect(try CSVDataset.read(at: good).count == 1)
    }
}
