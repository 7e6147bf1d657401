/*
 * Editor side shared by the system nodes (ERP, WMS, TMS, finance, carrier, portal): they differ
 * only in their system, icon and operations, so each node's .html calls
 * LsyncEgressEditor.register(...) instead of repeating ~150 lines. Node-RED serves this file from
 * the package's resources/ folder.
 */
(function () {
    "use strict";

    function integerBetween(min, max) {
        return function (v) {
            var n = Number(v);
            return String(v).trim() !== "" && Number.isInteger(n) && n >= min && n <= max;
        };
    }

    function jsonObjectOrEmpty(v) {
        if (v === undefined || v === null || String(v).trim() === "") return true;
        try {
            var o = JSON.parse(v);
            return o !== null && typeof o === "object" && !Array.isArray(o);
        } catch (err) {
            return false;
        }
    }

    /** The edit dialog; every text comes from the node's own locale file (`<type>.label.*`). */
    function template(type, operations) {
        var options = Object.keys(operations).map(function (id) {
            return '<option value="' + id + '" data-i18n="' + type + ".operation." + id + '"></option>';
        }).join("");
        function row(field, icon, control) {
            return '<div class="form-row"><label for="node-input-' + field + '"><i class="fa ' + icon + '"></i> <span data-i18n="' +
                type + ".label." + field + '"></span></label>' + control + "</div>";
        }
        return [
            row("endpoint", "fa-globe", '<input type="text" id="node-input-endpoint">'),
            row("store", "fa-database", '<input type="text" id="node-input-store">'),
            row("operation", "fa-cogs", '<select id="node-input-operation" style="width: 70%;">' + options + "</select>" +
                '<input type="hidden" id="node-input-outputs">'),
            '<div class="form-tips lsync-egress-answers-tip" style="display: none;" data-i18n="' + type + '.tip.answers"></div>',
            row("batchSize", "fa-th", '<input type="text" id="node-input-batchSize" style="width: 100px;"> <span class="lsync-egress-batch-hint"></span>'),
            row("maxWaitMs", "fa-hourglass-half", '<input type="text" id="node-input-maxWaitMs" style="width: 100px;"> <span data-i18n="' + type + '.label.ms"></span>'),
            row("maxAttempts", "fa-repeat", '<input type="text" id="node-input-maxAttempts" style="width: 100px;"> <span data-i18n="' + type + '.label.attemptsHint"></span>'),
            row("bindings", "fa-table",
                '<textarea id="node-input-bindings" rows="4" style="width: 70%; font-family: monospace;" data-i18n="[placeholder]' + type + '.placeholder.bindings"></textarea>' +
                ' <button type="button" class="red-ui-button red-ui-button-small lsync-egress-bindings-expand" style="vertical-align: top;"><i class="fa fa-expand"></i></button>'),
            '<div class="form-row"><label>&nbsp;</label><input type="checkbox" id="node-input-settleIntake" style="display: inline-block; width: auto; vertical-align: top;">' +
                ' <label for="node-input-settleIntake" style="width: auto;" data-i18n="' + type + '.label.settleIntake"></label></div>',
            '<div class="form-tips" data-i18n="' + type + '.tip.settle"></div>',
            '<div class="form-row" style="margin-top: 12px;">' +
                '<label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="' + type + '.label.name"></span></label>' +
                '<input type="text" id="node-input-name" data-i18n="[placeholder]' + type + '.placeholder.name"></div>'
        ].join("\n");
    }

    /**
     * @param type       node type, e.g. "lsync-tms"
     * @param spec       { system: "TMS", color, icon, operations: { id: { maxBatch, defaultBatch, answers?, query? } } }
     *                   (operations mirror nodes/lib/systems/operations/; the first is the default).
     *                   `answers`: the system's answer leaves on a second output; `query`: asked
     *                   directly, no outbox, so no store is needed.
     */
    function register(type, spec) {
        var operations = spec.operations;
        var firstOperation = Object.keys(operations)[0];
        function outputsOf(id) {
            var op = operations[id];
            return op && op.answers ? 2 : 1;
        }
        $('<script type="text/html" data-template-name="' + type + '"></script>')
            .text(template(type, operations))
            .appendTo(document.body);

        RED.nodes.registerType(type, {
            category: "logistics sync",
            color: spec.color || "#E2D96E",
            defaults: {
                name: { value: "" },
                endpoint: {
                    value: "",
                    type: "lsync-endpoint",
                    required: true,
                    filter: function (config) {
                        return !config.system || config.system === spec.system;
                    }
                },
                store: {
                    value: "",
                    type: "lsync-store",
                    validate: function (v) {
                        var op = operations[this.operation];
                        return (op && op.query) || (!!v && v !== "_ADD_");
                    }
                },
                operation: {
                    value: firstOperation,
                    required: true,
                    validate: function (v) {
                        return Object.prototype.hasOwnProperty.call(operations, v);
                    }
                },
                batchSize: {
                    value: operations[firstOperation].defaultBatch,
                    required: true,
                    validate: function (v) {
                        var op = operations[this.operation] || operations[firstOperation];
                        return integerBetween(1, op.maxBatch)(v);
                    }
                },
                maxWaitMs: { value: 200, required: true, validate: integerBetween(0, 60000) },
                maxAttempts: { value: 0, required: true, validate: integerBetween(0, 1000) },
                settleIntake: { value: true },
                bindings: { value: "", validate: jsonObjectOrEmpty },
                outputs: { value: outputsOf(firstOperation) }
            },
            inputs: 1,
            outputs: outputsOf(firstOperation),
            icon: spec.icon,
            paletteLabel: function () {
                return this._(type + ".paletteLabel");
            },
            label: function () {
                if (this.name) return this.name;
                var key = type + ".operation." + this.operation;
                var title = this._(key);
                return spec.system + ": " + (title === key ? this.operation : title);
            },
            labelStyle: function () {
                return this.name ? "node_label_italic" : "";
            },
            inputLabels: function () {
                return this._(type + ".input.canonical");
            },
            outputLabels: function (i) {
                return this._(type + (i === 0 ? ".output.queued" : ".output.answers"));
            },
            oneditprepare: function () {
                var node = this;
                var $op = $("#node-input-operation");
                function showLimits() {
                    var op = operations[$op.val()];
                    $(".lsync-egress-batch-hint").text(op ? node._(type + ".label.batchHint", op) : "");
                    // Changing "outputs" makes the editor add or drop the answers port (and its wires).
                    $("#node-input-outputs").val(outputsOf($op.val()));
                    $(".lsync-egress-answers-tip").toggle(!!(op && op.answers));
                }
                $op.on("change", showLimits);
                showLimits();
                $(".lsync-egress-bindings-expand").on("click", function (evt) {
                    evt.preventDefault();
                    var $text = $("#node-input-bindings");
                    var value = $text.val();
                    try { value = JSON.stringify(JSON.parse(value), null, 4); } catch (err) { /* edit as typed */ }
                    RED.editor.editJSON({
                        value: value,
                        complete: function (v) {
                            var compact = v;
                            try { compact = JSON.stringify(JSON.parse(v), null, 1); } catch (err) { /* keep as typed */ }
                            $text.val(compact).trigger("change");
                        }
                    });
                });
            }
        });
    }

    window.LsyncEgressEditor = { register: register };
})();
