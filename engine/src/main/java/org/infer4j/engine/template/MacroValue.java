package org.infer4j.engine.template;

import java.util.List;

/**
 * A macro (or a call block's {@code caller}) as a runtime value: its definition plus the scope it
 * was defined in, which it reads at call time like a closure.
 *
 * @param caller the {@code caller()} to expose inside the body, or null
 */
record MacroValue(String name, List<Node.Parameter> parameters, List<Node> body, Scope closure,
                  Renderer renderer, JinjaCallable caller) implements JinjaCallable {

    @Override
    public Object call(Arguments arguments) {
        return renderer.callMacro(this, arguments);
    }
}
