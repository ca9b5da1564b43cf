(function(){
var R=document.currentScript.parentNode,D=%DATA%,Q,S,F,TI;
function u(s,T){var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return new T(a.buffer);}
function init(){if(Q)return;Q=u(D.q,Uint16Array);S=u(D.s,Uint32Array);F=u(D.f,D.fw==2?Uint16Array:Uint32Array);TI=u(D.ti,D.tw==2?Uint16Array:Uint32Array);}
var C=R.querySelectorAll('.lx-ctl input,.lx-ctl select'),P=R.querySelectorAll('path.lx-d'),G=R.querySelector('.lx-fig'),O=R.querySelector('.lx-readout');
function t(v){return Math.floor(v*10+0.5);}
function E(c,f){var e=F[f*D.nc+c];return [S[e],S[e+1]];}
function d(L,f){var k=L.k,s='',i,q,x,y,a,b,m,p=0;
if(k=='line'||k=='points'){a=E(L.c[0],f);b=E(L.c[1],f);m=Math.min(a[1]-a[0],b[1]-b[0]);
for(i=0;i<m;i++){x=Q[a[0]+i];y=Q[b[0]+i];if(x==65535||y==65535){p=0;continue;}
x=t(L.x[0]+x*L.x[1]);y=t(L.y[0]+y*L.y[1]);
if(k=='line'){s+=(p?' ':'M')+x+' '+y;p=1;}else s+='M'+(x-35)+' '+y+'a35 35 0 1 0 70 0a35 35 0 1 0 -70 0';}}
else{a=E(L.c[0],f);for(i=a[0];i<a[1];i++){q=Q[i];if(q==65535)continue;
if(k=='bars'){if(i-a[0]<L.bx.length)s+='M'+L.bx[i-a[0]]+' '+L.b0+'V'+t(L.y[0]+q*L.y[1])+'h'+L.bw+'V'+L.b0+'Z';}
else if(k=='vline')s+='M'+t(L.x[0]+q*L.x[1])+' 0V'+L.h;
else s+='M0 '+t(L.y[0]+q*L.y[1])+'H'+L.w;}}
return s;}
function upd(){init();var f=0,k,c,v,o,e,s;
for(k=0;k<C.length;k++){c=C[k];v=+c.value;f+=v*D.st[k];
if(D.v[k]){c.setAttribute('aria-valuetext',D.v[k][v]);o=c.parentNode.querySelector('output');if(o)o.textContent=D.v[k][v];}}
e=D.e[f];
if(e!=null){O.textContent='\u26a0 '+e;O.classList.add('lx-err');G.classList.add('lx-stale');return;}
O.textContent=D.tu[TI[f]];O.classList.remove('lx-err');G.classList.remove('lx-stale');
for(k=0;k<P.length;k++){s=d(D.sl[k],f);if(s!==P[k].getAttribute('d'))P[k].setAttribute('d',s);}}
for(var k=0;k<C.length;k++){C[k].addEventListener('input',upd);C[k].addEventListener('change',upd);}
R.querySelectorAll('.lx-note').forEach(function(e){e.remove();});
})();
