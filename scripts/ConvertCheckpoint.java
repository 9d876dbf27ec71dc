import java.nio.file.Path;
import org.infer4j.engine.convert.HfCheckpointConverter;
import org.infer4j.engine.convert.OutputType;

/**
 * Development launcher for the converter until the CLI has `infer4j convert`:
 * java -cp engine/target/classes:gguf/target/classes scripts/ConvertCheckpoint.java MODEL_DIR OUT.gguf [SOURCE|F32|F16|BF16]
 */
public class ConvertCheckpoint {
    public static void main(String[] args) throws Exception {
        OutputType type = args.length > 2 ? OutputType.valueOf(args[2]) : OutputType.SOURCE;
        System.out.println(HfCheckpointConverter.convert(Path.of(args[0]), Path.of(args[1]), type));
    }
}
