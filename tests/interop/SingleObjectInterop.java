// Reads each <name>.avsc / <name>.bin pair in a folder with Apache Avro for Java:
// decodes the single-object-encoded .bin with BinaryMessageDecoder (which checks
// the fingerprint), re-encodes it with BinaryMessageEncoder into <name>.java.bin,
// and writes Java's own parsing fingerprint (little-endian hex) to <name>.fp.
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;

public class SingleObjectInterop {
  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    try (Stream<Path> files = Files.list(folder)) {
      for (Path avsc : files.filter(p -> p.toString().endsWith(".avsc")).toList()) {
        String name = avsc.getFileName().toString().replace(".avsc", "");
        Schema schema = new Schema.Parser().parse(avsc.toFile());
        BinaryMessageDecoder<GenericRecord> decoder =
            new BinaryMessageDecoder<>(GenericData.get(), schema);
        GenericRecord record = decoder.decode(Files.readAllBytes(folder.resolve(name + ".bin")));
        ByteBuffer again = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema)
            .encode(record);
        byte[] bytes = new byte[again.remaining()];
        again.get(bytes);
        Files.write(folder.resolve(name + ".java.bin"), bytes);
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        Files.writeString(folder.resolve(name + ".fp"),
            String.format("%016x", Long.reverseBytes(fingerprint)));
      }
    }
  }
}
